package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

func (m *Main) auditCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "audit", Short: "Check the tamper-evident records"}
	verify := &cobra.Command{
		Use:   "verify",
		Short: "Walk every hash chain; exit 1 naming the first broken record",
		Args:  cobra.NoArgs,
	}
	cfg := m.configFlags(verify)
	verify.RunE = func(cmd *cobra.Command, args []string) error {
		app, err := openApp(cmd.Context(), *cfg, m.Stderr)
		if err != nil {
			return err
		}
		defer app.Close()
		rep, err := app.Consent.Verify(cmd.Context())
		if err != nil {
			return err
		}
		if !rep.OK {
			fmt.Fprintf(m.Stderr, "audit: chain broken at record %s (%d records checked)\n", *rep.FirstBad, rep.Checked)
			return exitError{code: 1}
		}
		fmt.Fprintf(m.Stdout, "audit: intact, %d records checked\n", rep.Checked)
		return nil
	}
	cmd.AddCommand(verify)
	return cmd
}
