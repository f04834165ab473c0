package main

import (
	"fmt"
	"time"

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
	seal := &cobra.Command{
		Use:   "checkpoint",
		Short: "Seal a checkpoint over every consent chain now (vern serve does so hourly)",
		Args:  cobra.NoArgs,
	}
	sealCfg := m.configFlags(seal)
	seal.RunE = func(cmd *cobra.Command, args []string) error {
		app, err := openApp(cmd.Context(), *sealCfg, m.Stderr)
		if err != nil {
			return err
		}
		defer app.Close()
		c, err := app.Consent.SealCheckpoint(cmd.Context())
		if err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "audit: checkpoint %d seals %d chains, %d events, as of %s\n", c.Seq, c.Chains, c.Events, c.At.Format(time.RFC3339))
		return nil
	}
	cmd.AddCommand(verify, seal)
	return cmd
}
