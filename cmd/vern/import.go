package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/vernhq/vern/person"
)

func (m *Main) importCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "import", Short: "Import records from CSV"}
	cmd.AddCommand(m.importPeopleCommand())
	return cmd
}

func (m *Main) importPeopleCommand() *cobra.Command {
	var opts person.ImportOptions
	var report string
	cmd := &cobra.Command{
		Use:   "people FILE.csv",
		Short: "Import people from CSV, with a progress bar on stderr",
		Long: `Import people from a CSV file whose header names the columns
first_name, last_name, email, phone, language, organization_name, org_number and
source_reference (any order, any subset that includes email).

Every row is validated and scanned like an API request. By default a file with
any invalid row is refused whole and nothing is written; --skip-invalid writes
the valid rows. People whose email already exists are matched, not duplicated,
so an interrupted import can simply be run again.`,
		Args: cobra.ExactArgs(1),
	}
	cfg := m.configFlags(cmd)
	cmd.Flags().BoolVar(&opts.SkipInvalid, "skip-invalid", false, "write the valid rows and report the invalid ones")
	cmd.Flags().IntVar(&opts.BatchSize, "batch-size", 50000, "rows written per transaction")
	cmd.Flags().StringVar(&report, "report", "", "write the full report as JSON to this file")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		f, err := os.Open(args[0])
		if err != nil {
			return fmt.Errorf("open import file: %w", err)
		}
		defer f.Close()
		st, err := f.Stat()
		if err != nil {
			return fmt.Errorf("open import file: %w", err)
		}
		// The policy in force says which purposes a row may name.
		app, err := m.openPolicyApp(cmd, *cfg)
		if err != nil {
			return err
		}
		defer app.Close()

		passes := int64(2)
		if opts.SkipInvalid {
			passes = 1
		}
		bar := progressbar.NewOptions64(st.Size()*passes,
			progressbar.OptionSetWriter(m.Stderr),
			progressbar.OptionSetDescription("importing"),
			progressbar.OptionShowBytes(true),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionShowElapsedTimeOnFinish(),
			progressbar.OptionClearOnFinish(),
		)
		var done int64 // bytes of earlier passes
		var last int64
		opts.Progress = func(read int64) {
			if read < last { // a new pass started
				done += last
			}
			last = read
			_ = bar.Set64(done + read)
		}
		opts.Reference = filepath.Base(args[0])
		start := time.Now()
		rep, err := app.People.Import(cmd.Context(), f, opts)
		_ = bar.Finish()
		if err != nil {
			if rep != nil && rep.Written && rep.Created+rep.Matched > 0 {
				// Batches are committed one by one: say what is already in.
				fmt.Fprintf(m.Stderr, "stopped after writing %d new and %d matched people; running the same import again completes it without duplicates\n", rep.Created, rep.Matched)
			}
			return err
		}
		if report != "" {
			b, _ := json.MarshalIndent(rep, "", "  ")
			if err := os.WriteFile(report, b, 0o600); err != nil {
				return fmt.Errorf("write report: %w", err)
			}
		}
		for _, r := range rep.Rejections {
			fmt.Fprintf(m.Stderr, "line %d: %s: %s\n", r.Line, r.Field, r.Message)
		}
		if rep.Rejected > len(rep.Rejections) {
			fmt.Fprintf(m.Stderr, "... and %d more rejections\n", rep.Rejected-len(rep.Rejections))
		}
		elapsed := time.Since(start).Round(time.Millisecond)
		if !rep.Written {
			fmt.Fprintf(m.Stdout, "%d rows read, %d rejected: nothing was written (fix the rows or use --skip-invalid) in %s\n", rep.Rows, rep.Rejected, elapsed)
			return exitError{code: 1}
		}
		fmt.Fprintf(m.Stdout, "%d rows read: %d people created, %d matched existing people, %d rejected, in %s\n",
			rep.Rows, rep.Created, rep.Matched, rep.Rejected, elapsed)
		return nil
	}
	return cmd
}
