package main

import (
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/vernhq/vern"
	"github.com/vernhq/vern/audience"
)

func (m *Main) audienceCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "audience", Short: "Audiences for ad platforms: define, list, export hashed (S10)"}
	cmd.AddCommand(m.audienceDefineCommand(), m.audienceListCommand(), m.audienceExportCommand())
	return cmd
}

func (m *Main) audienceDefineCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "define NAME --purpose PURPOSE [--include FIELD=V1,V2]... [--exclude FIELD=V]...",
		Short: "Create or replace an audience",
		Long: `Create or replace an audience: the people every --include rule matches and no
--exclude rule matches, among those the decision engine allows for PURPOSE and
the suppression list does not hold. Fields: ` + strings.Join(vern.AudienceFields, ", ") + `.

  vern audience define prospects --purpose remarketing --include organization.country=NO,SE --exclude has_contract=true`,
		Args: cobra.ExactArgs(1),
	}
	cfg := m.configFlags(cmd)
	purpose := cmd.Flags().String("purpose", "", "the policy purpose the audience serves, such as remarketing")
	use := cmd.Flags().String("use", vern.AudienceInclude, "include (target the list) or exclude (the platform excludes it)")
	desc := cmd.Flags().String("description", "", "what the audience is for")
	include := cmd.Flags().StringArray("include", nil, "FIELD=V1,V2: a rule every member matches")
	exclude := cmd.Flags().StringArray("exclude", nil, "FIELD=V1,V2: a rule no member matches")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		a := &vern.Audience{Name: args[0], Purpose: *purpose, Use: *use, Description: *desc,
			Include: parseRules(*include), Exclude: parseRules(*exclude)}
		app, err := m.openPolicyApp(cmd, *cfg)
		if err != nil {
			return err
		}
		defer app.Close()
		out, created, err := app.Audiences.Define(cmd.Context(), a)
		if err != nil {
			return err
		}
		verb := "replaced"
		if created {
			verb = "created"
		}
		fmt.Fprintf(m.Stderr, "audience %s %s\n", out.Name, verb)
		return writeJSON(m, out)
	}
	return cmd
}

// parseRules reads FIELD=V1,V2 flags; a rule without "=" keeps its text as
// the field, so that validation names it.
func parseRules(flags []string) []vern.AudienceRule {
	var out []vern.AudienceRule
	for _, f := range flags {
		field, values, _ := strings.Cut(f, "=")
		r := vern.AudienceRule{Field: strings.TrimSpace(field)}
		for _, v := range strings.Split(values, ",") {
			if v = strings.TrimSpace(v); v != "" {
				r.Values = append(r.Values, v)
			}
		}
		out = append(out, r)
	}
	return out
}

func (m *Main) audienceListCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "list", Short: "List audiences", Args: cobra.NoArgs}
	cfg := m.configFlags(cmd)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		app, err := m.openPolicyApp(cmd, *cfg)
		if err != nil {
			return err
		}
		defer app.Close()
		as, err := app.Audiences.List(cmd.Context())
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(m.Stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tPURPOSE\tUSE\tRULES\t")
		for _, a := range as {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d include, %d exclude\t\n", a.Name, a.Purpose, a.Use, len(a.Include), len(a.Exclude))
		}
		return tw.Flush()
	}
	return cmd
}

func (m *Main) audienceExportCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "export NAME --format google|linkedin|csv [--out FILE]",
		Short: "Export an audience, normalised and SHA-256 hashed, with a progress bar on stderr",
		Long: `Export the members of an audience in an ad platform's format: emails, phones
(E.164) and names normalised and SHA-256 hashed, country and postal code in
the clear, empty fields left empty. Every member is decided for the
audience's purpose and checked against the suppression list, and each export
is recorded in the disclosure log (one entry per person) and in the
audience's export history.

The file goes to --out (written to a temporary file and renamed once
complete) or to stdout; the report, with the EEA consent signals a Google
upload needs, goes to stderr.`,
		Args: cobra.ExactArgs(1),
	}
	cfg := m.configFlags(cmd)
	var opts audience.ExportOptions
	var out string
	cmd.Flags().StringVar(&opts.Format, "format", "", "google, linkedin or csv")
	cmd.Flags().StringVar(&opts.Recipient, "recipient", "", "the policy recipient the file is for (default: google or linkedin; required for csv)")
	cmd.Flags().BoolVar(&opts.GmailDots, "gmail-dots", false, "remove dots from gmail.com local parts before hashing (not for Customer Match)")
	cmd.Flags().StringVar(&out, "out", "", "write the file here instead of stdout")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		app, err := m.openPolicyApp(cmd, *cfg)
		if err != nil {
			return err
		}
		defer app.Close()
		var w io.Writer = m.Stdout
		var tmp *os.File
		if out != "" {
			if tmp, err = os.CreateTemp(filepath.Dir(out), "."+filepath.Base(out)+".*"); err != nil {
				return fmt.Errorf("create export file: %w", err)
			}
			defer os.Remove(tmp.Name()) // after the rename this removes nothing
			defer tmp.Close()
			w = tmp
		}
		bar := m.countBar("exporting "+args[0], progressbar.OptionShowElapsedTimeOnFinish())
		opts.Progress = func(scanned, total int) {
			bar.ChangeMax(total)
			_ = bar.Set(scanned)
		}
		opts.Actor = cliActor
		start := time.Now()
		rep, err := app.Audiences.Export(cmd.Context(), args[0], w, opts)
		_ = bar.Finish()
		if err != nil {
			return err
		}
		if tmp != nil {
			if err := tmp.Sync(); err != nil {
				return fmt.Errorf("write export file: %w", err)
			}
			if err := tmp.Close(); err != nil {
				return fmt.Errorf("write export file: %w", err)
			}
			if err := os.Rename(tmp.Name(), out); err != nil {
				return fmt.Errorf("write export file: %w", err)
			}
		}
		fmt.Fprintf(m.Stderr, "%d of %d people exported to %s in %s (export %s)\n", rep.People, rep.Scanned, rep.Recipient,
			time.Since(start).Round(time.Millisecond), rep.ID)
		for _, reason := range slices.Sorted(maps.Keys(rep.Excluded)) {
			fmt.Fprintf(m.Stderr, "  left out, %s: %d\n", reason, rep.Excluded[reason])
		}
		if rep.Consent != nil {
			fmt.Fprintf(m.Stderr, "  upload with consent ad_user_data=%s ad_personalization=%s\n", rep.Consent.AdUserData, rep.Consent.AdPersonalization)
		}
		return nil
	}
	return cmd
}
