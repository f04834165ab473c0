package main

import (
	"fmt"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/vernhq/vern/retention"
)

func (m *Main) retentionCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "retention", Short: "Enforce the policy's retention rules"}

	run := &cobra.Command{
		Use:   "run [--dry-run]",
		Short: "Erase what the retention rules make due, with a progress bar and a report by rule",
		Long: `Find, rule by rule, the people whose retention period has ended and erase them:
their data key is destroyed (crypto-shredding), their interactions deleted and
their ledger evidence redacted, after they are folded into the anonymised
statistics. People named by accounting documents under a legal hold are
restricted instead and erased when the hold ends. Accounting documents whose
hold has ended are deleted; the consent evidence of purposes withdrawn long
ago is redacted for people who are kept; old survey answers are folded into
the statistics and deleted. Every erasure and deletion is in the audit trail
(actor system:retention). The report lists every rule of the policy with what
was done or why it cannot be enforced from Vern's data.

Only one sweep runs at a time: a second one (another process or node) is
refused while the first holds its lease.

--dry-run changes nothing and reports exactly what a run would do now. A run
interrupted by a crash is resumed by the next run, with its original cut-off
time and without erasing anyone twice.`,
		Args: cobra.NoArgs,
	}
	cfg := m.configFlags(run)
	dry := run.Flags().Bool("dry-run", false, "report what would be done, change nothing")
	list := run.Flags().Int("list", 0, "with --dry-run, list up to this many person ids per rule")
	asJSON := run.Flags().Bool("json", false, "print the report as JSON")
	run.RunE = func(cmd *cobra.Command, args []string) error {
		app, err := m.openPolicyApp(cmd, *cfg)
		if err != nil {
			return err
		}
		defer app.Close()
		desc := "retention sweep"
		if *dry {
			desc = "retention dry run"
		}
		bar := m.countBar(desc, progressbar.OptionSetItsString("people"), progressbar.OptionShowIts())
		opt := retention.Options{ListIDs: *list, Progress: func(scanned, total int) {
			if bar.GetMax() != total && total > 0 {
				bar.ChangeMax(total)
			}
			_ = bar.Set(scanned)
		}}
		start := time.Now()
		var rep *retention.Report
		if *dry {
			rep, err = app.Retention.DryRun(cmd.Context(), opt)
		} else {
			rep, err = app.Retention.Run(cmd.Context(), opt)
		}
		_ = bar.Finish()
		if err != nil {
			return err
		}
		if *asJSON {
			return writeJSON(m, rep)
		}
		printRetentionReport(m, rep, time.Since(start))
		return nil
	}

	runs := &cobra.Command{Use: "runs", Short: "List the latest sweeps and their reports as JSON", Args: cobra.NoArgs}
	runsCfg := m.configFlags(runs)
	limit := runs.Flags().Int("limit", 10, "at most this many")
	runs.RunE = func(cmd *cobra.Command, args []string) error {
		app, err := m.openPolicyApp(cmd, *runsCfg)
		if err != nil {
			return err
		}
		defer app.Close()
		rs, err := app.Retention.Runs(cmd.Context(), *limit)
		if err != nil {
			return err
		}
		return writeJSON(m, rs)
	}
	cmd.AddCommand(run, runs)
	return cmd
}

func printRetentionReport(m *Main, rep *retention.Report, took time.Duration) {
	tw := tabwriter.NewWriter(m.Stdout, 2, 4, 2, ' ', 0)
	verb := "ERASED"
	if rep.DryRun {
		verb = "WOULD ERASE"
	}
	fmt.Fprintf(tw, "RULE\tPERIOD\tANCHOR\tACTION\t%s\tHELD\tSKIPPED\tRECORDS\tWHAT IT ACTS ON\t\n", verb)
	for _, r := range rep.Rules {
		target := r.Target
		if r.DecidedBy != "" {
			target += " (by " + r.DecidedBy + ")"
		}
		if !r.Enforced {
			target = "NOT ENFORCED: " + target
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%s\t%s\t%s\t\n", r.Key, r.Period, r.Anchor, r.Action, r.Erased, r.Held, skipped(r.Skipped), records(r), target)
	}
	_ = tw.Flush()
	for _, r := range rep.Rules {
		for _, id := range r.IDs {
			fmt.Fprintf(m.Stdout, "%s\t%s\n", r.Key, id)
		}
	}
	what := "erased"
	if rep.DryRun {
		what = "would erase"
	}
	fmt.Fprintf(m.Stdout, "\n%d people examined as of %s (policy %s): %s %d, held %d, skipped %s; %d interactions deleted, %d ledger events redacted, %d documents deleted, %d visitors' cookie choices deleted, %d suppression entries, in %s\n",
		rep.Scanned, rep.AsOf.Format(time.RFC3339), rep.PolicyVersion, what, rep.Erased, rep.Held, skipped(rep.Skipped),
		rep.Interactions, rep.Events, rep.Documents, rep.Visitors, rep.Suppressed, took.Round(time.Millisecond))
	if rep.RunID != "" {
		resumed := ""
		if rep.Resumed {
			resumed = " (resumed an interrupted sweep)"
		}
		fmt.Fprintf(m.Stdout, "run %s%s; each erasure and deletion is in the audit trail as %s\n", rep.RunID, resumed, retention.Actor)
	}
	fmt.Fprintln(m.Stdout, "\nwhat each rule does:")
	for _, r := range rep.Rules {
		fmt.Fprintf(m.Stdout, "  %s: %s\n", r.Key, r.Note)
	}
}

// records says what a rule did to records of its own (documents, ledger
// events, survey answers), "-" when none.
func records(r *retention.RuleReport) string {
	var noun string
	switch r.Target {
	case retention.TargetDocuments:
		noun = "documents"
	case retention.TargetLedger:
		noun = "events"
	case retention.TargetFeedback:
		noun = "answers"
	default:
		return "-"
	}
	out := fmt.Sprintf("%d %s of %d people", r.Records, noun, r.People)
	if r.Visitors > 0 {
		out += fmt.Sprintf("; %d visitors' cookie choices", r.Visitors)
	}
	return out
}

func skipped(m map[string]int) string {
	if len(m) == 0 {
		return "0"
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%d %s", m[k], k)
	}
	return strings.Join(parts, ", ")
}

func (m *Main) statsCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "stats",
		Short: "Anonymised statistics folded from erased people, small cells suppressed",
		Long: `Print the anonymised statistics that retention sweeps fold people into before
erasing them: counts of people (and their interactions) per month collected,
purpose, source channel and organisation size band. Cells counting fewer than
--min-cell are shown as suppressed, since they could single someone out.`,
		Args: cobra.NoArgs,
	}
	cfg := m.configFlags(cmd)
	minCell := cmd.Flags().Int("min-cell", retention.DefaultMinCell, "suppress cells counting fewer than this")
	by := cmd.Flags().StringSlice("by", retention.Dimensions, "dimensions to break down by: month, purpose, channel, org_band")
	metric := cmd.Flags().String("metric", "", "people or interactions; both when absent")
	asJSON := cmd.Flags().Bool("json", false, "print JSON")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		app, err := m.openPolicyApp(cmd, *cfg)
		if err != nil {
			return err
		}
		defer app.Close()
		if *minCell < 1 {
			*minCell = 1
		}
		st, err := app.Retention.Stats(cmd.Context(), retention.StatsQuery{Metric: *metric, By: *by, MinCell: *minCell})
		if err != nil {
			return err
		}
		if *asJSON {
			return writeJSON(m, st)
		}
		tw := tabwriter.NewWriter(m.Stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "METRIC\tMONTH\tPURPOSE\tCHANNEL\tORG BAND\tCOUNT\t")
		for _, r := range st.Rows {
			count := fmt.Sprintf("<%d", st.MinCell)
			if r.Count != nil {
				count = fmt.Sprint(*r.Count)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t\n", r.Metric, dash(r.Month), dash(r.Purpose), dash(r.Channel), dash(r.OrgBand), count)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		fmt.Fprintf(m.Stderr, "%d cells, %d suppressed (fewer than %d)\n", len(st.Rows), st.Suppressed, st.MinCell)
		return nil
	}
	return cmd
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
