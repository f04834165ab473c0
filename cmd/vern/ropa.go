package main

import (
	"fmt"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/vernhq/vern/report"
)

func (m *Main) ropaCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "ropa", Short: "The record of processing activities (GDPR Art. 30)"}
	export := &cobra.Command{
		Use:   "export --format csv|html|pdf|json",
		Short: "Write the record of processing, generated from the policy and the register of recipients",
		Long: `Write the record of processing activities (GDPR Art. 30(1)(a)-(g)): the
controller, one activity per purpose with its legal basis, data subjects, data
categories, recipients, transfers outside the EEA and time limits for erasure,
the register of recipients with its warnings, and the security measures Vern
implements. It is generated from the policy in force; never edit it by hand.`,
		Args: cobra.NoArgs,
	}
	cfg := m.configFlags(export)
	format := export.Flags().String("format", "html", "csv, html, pdf or json")
	lang := export.Flags().String("lang", "en", "nb or en")
	out := export.Flags().StringP("output", "o", "", "write to this file instead of stdout")
	export.RunE = func(cmd *cobra.Command, args []string) error {
		app, err := m.openPolicyApp(cmd, *cfg)
		if err != nil {
			return err
		}
		defer app.Close()
		pol, _ := app.Policy.Current()
		rec := pol.Record(*lang, app.Clock.Now())
		w := m.Stdout
		if *out != "" {
			f, err := os.OpenFile(*out, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
			if err != nil {
				return fmt.Errorf("open output: %w", err)
			}
			defer f.Close()
			w = f
		}
		return report.WriteRecord(w, *format, rec)
	}
	cmd.AddCommand(export)
	return cmd
}

func (m *Main) recipientsCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "recipients",
		Short: "The register of recipients, with missing, expired and expiring agreements flagged",
		Args:  cobra.NoArgs,
	}
	cfg := m.configFlags(cmd)
	asJSON := cmd.Flags().Bool("json", false, "print JSON")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		app, err := m.openPolicyApp(cmd, *cfg)
		if err != nil {
			return err
		}
		defer app.Close()
		pol, _ := app.Policy.Current()
		reg := pol.Register(app.Clock.Now())
		if *asJSON {
			return writeJSON(m, reg)
		}
		tw := tabwriter.NewWriter(m.Stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "KEY\tROLE\tCOUNTRY\tTRANSFER BASIS\tAGREEMENT\tSERVICES\tDATA CATEGORIES\t")
		warnings := 0
		for _, e := range reg {
			dpa := "-"
			if e.DPA != nil {
				dpa = string(e.DPA.Status)
				if !e.DPA.SignedAt.IsZero() {
					dpa += " " + e.DPA.SignedAt.Format("2006-01-02")
				}
				if !e.DPA.ExpiresAt.IsZero() {
					dpa += " to " + e.DPA.ExpiresAt.Format("2006-01-02")
				}
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", e.Key, e.Role, dash(e.Country), dash(string(e.TransferBasis)), dpa,
				dash(strings.Join(e.Services, ",")), strings.Join(e.Categories, ","))
			warnings += len(e.Warnings)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		for _, e := range reg {
			for _, w := range e.Warnings {
				fmt.Fprintf(m.Stdout, "warning: %s: %s\n", e.Key, w)
			}
		}
		fmt.Fprintf(m.Stderr, "%d recipients, %d warnings\n", len(reg), warnings)
		return nil
	}
	return cmd
}
