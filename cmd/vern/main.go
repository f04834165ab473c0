// Command vern runs Vern, the privacy operations platform: the HTTP server,
// migrations, policy tools, imports and the load tool.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/vernhq/vern"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop() // a second Ctrl-C during the graceful shutdown ends the process at once
	}()
	m := &Main{Stdout: os.Stdout, Stderr: os.Stderr, Getenv: getenv}
	code := m.Run(ctx, os.Args[1:])
	stop()
	os.Exit(code)
}

// Main runs one invocation of the command line. Tests run it in-process.
type Main struct {
	Stdout, Stderr io.Writer
	Getenv         func(string) string
	// Ready, when set, receives the server's address once it listens.
	Ready chan<- string
}

// exitError carries an exit status other than 1 without more output.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// Run executes args and returns the process exit status.
func (m *Main) Run(ctx context.Context, args []string) int {
	root := m.rootCommand()
	root.SetArgs(args)
	root.SetOut(m.Stdout)
	root.SetErr(m.Stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	var ee exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	m.printError(err)
	return 1
}

// printError prints what went wrong: the user-safe message and, for invalid
// input, each field.
func (m *Main) printError(err error) {
	if code := vern.ErrorCode(err); code != vern.EINTERNAL {
		fmt.Fprintf(m.Stderr, "vern: %s\n", vern.ErrorMessage(err))
		for _, f := range vern.ErrorFields(err) {
			fmt.Fprintf(m.Stderr, "  %s: %s\n", f.Field, f.Message)
		}
		return
	}
	fmt.Fprintf(m.Stderr, "vern: %v\n", err)
}

func (m *Main) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:           "vern",
		Short:         "Vern makes a privacy policy executable",
		Long:          "Vern is a self-hosted privacy operations platform: a people registry, consent and decisions,\ndata-subject requests and retention, driven by a policy file.",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(
		m.serveCommand(),
		m.migrateCommand(),
		m.policyCommand(),
		m.importCommand(),
		m.auditCommand(),
		m.benchCommand(),
		m.requestsCommand(),
		m.audienceCommand(),
		m.newsletterCommand(),
		m.retentionCommand(),
		m.statsCommand(),
		m.recipientsCommand(),
		m.ropaCommand(),
	)
	return root
}

// configFlags adds the configuration flags to cmd and returns the config
// they fill, with the environment applied before the command runs.
func (m *Main) configFlags(cmd *cobra.Command) *Config {
	cfg := DefaultConfig()
	cfg.bindFlags(cmd.Flags())
	prev := cmd.PreRunE
	cmd.PreRunE = func(cmd *cobra.Command, args []string) error {
		if err := applyEnv(cmd.Flags(), m.Getenv); err != nil {
			return err
		}
		if err := cfg.checkDKIM(); err != nil {
			return err
		}
		if prev != nil {
			return prev(cmd, args)
		}
		return nil
	}
	return &cfg
}
