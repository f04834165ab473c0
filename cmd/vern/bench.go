package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/vernhq/vern/loadgen"
)

func (m *Main) benchCommand() *cobra.Command {
	var (
		cfg       loadgen.Config
		ops       string
		seed      int
		tokenFile string
		format    string
		profile   string
	)
	reg := loadgen.DefaultRegistry()
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Drive a running Vern's HTTP API with concurrent clients and report throughput and latency",
		Long: `Drive a running Vern's HTTP API with concurrent clients for a bounded time or
number of requests, and report requests per second, p50/p90/p99 latency and
errors per operation. Only loopback addresses are accepted unless
--allow-remote is given.

Operations: ` + strings.Join(reg.Names(), ", ") + `
Example: vern bench --ops people.create=1,people.find=4 --clients 16 --duration 20s`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if cfg.Token == "" {
				b, err := os.ReadFile(tokenFile)
				if err != nil {
					return fmt.Errorf("read admin token (give --token or --token-file): %w", err)
				}
				cfg.Token = strings.TrimSpace(string(b))
			}
			pool := &loadgen.Pool{}
			mix, err := reg.Parse(ops, pool)
			if err != nil {
				return err
			}
			if profile != "" {
				stop, err := startCPUProfile(profile)
				if err != nil {
					return err
				}
				defer stop()
			}
			rep, err := loadgen.Run(cmd.Context(), cfg, mix, pool.SeedPeople(seed))
			if err != nil {
				return err
			}
			if format == "json" {
				return rep.WriteJSON(m.Stdout)
			}
			fmt.Fprintf(m.Stdout, "vern bench: %s, %d clients, ops %s\n", cfg.BaseURL, cfg.Clients, ops)
			rep.WriteText(m.Stdout)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.BaseURL, "url", "http://127.0.0.1:8080", "base URL of the running server")
	f.BoolVar(&cfg.AllowRemote, "allow-remote", false, "allow a non-loopback URL")
	f.StringVar(&cfg.Token, "token", "", "admin API token (default: read from --token-file)")
	f.StringVar(&tokenFile, "token-file", filepath.Join("vern-data", "admin-token"), "file holding the admin API token")
	f.IntVar(&cfg.Clients, "clients", 16, "concurrent clients")
	f.DurationVar(&cfg.Duration, "duration", 10*time.Second, "how long to measure (0: until --requests)")
	f.IntVar(&cfg.Requests, "requests", 0, "stop after this many requests (0: until --duration)")
	f.DurationVar(&cfg.Warmup, "warmup", 2*time.Second, "unmeasured warm-up before the run")
	f.StringVar(&ops, "ops", "people.create=1,people.find=1", "operation mix, name=weight,...")
	f.IntVar(&seed, "seed-people", 10000, "people created before the run for the lookup operations")
	f.Int64Var(&cfg.Seed, "seed", 1, "seed of the synthetic data")
	f.StringVar(&format, "format", "text", "report format: text or json")
	f.StringVar(&profile, "cpuprofile", "", "write the load generator's own CPU profile to this file, to see what the client costs")
	cmd.AddCommand(m.benchPeopleCSVCommand())
	return cmd
}

func (m *Main) benchPeopleCSVCommand() *cobra.Command {
	var seed int64
	cmd := &cobra.Command{
		Use:   "people-csv N",
		Short: "Write N synthetic people as CSV for `vern import people` to stdout",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			n, err := strconv.Atoi(args[0])
			if err != nil || n < 0 {
				return fmt.Errorf("N must be a non-negative whole number")
			}
			return loadgen.WritePeopleCSV(m.Stdout, n, seed)
		},
	}
	cmd.Flags().Int64Var(&seed, "seed", 1, "seed of the synthetic data")
	return cmd
}

// startCPUProfile profiles this process into path until stop is called.
func startCPUProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}
