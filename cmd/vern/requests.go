package main

import (
	"encoding/json"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/vernhq/vern"
	"github.com/vernhq/vern/calendar"
	"github.com/vernhq/vern/request"
)

// cliActor names the command line in request histories.
const cliActor = "cli"

func (m *Main) requestsCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "requests", Short: "Data-subject requests: list, show, extend, complete, reject"}

	list := &cobra.Command{Use: "list", Short: "List requests by deadline, overdue first", Args: cobra.NoArgs}
	listCfg := m.configFlags(list)
	status := list.Flags().String("status", "open", "open, overdue, all, or one of "+fmt.Sprint(vern.RequestStatuses))
	kind := list.Flags().String("kind", "", "only this kind of request")
	limit := list.Flags().Int("limit", 100, "at most this many")
	asJSON := list.Flags().Bool("json", false, "print JSON instead of a table")
	list.RunE = func(cmd *cobra.Command, args []string) error {
		app, err := m.openPolicyApp(cmd, *listCfg)
		if err != nil {
			return err
		}
		defer app.Close()
		st := *status
		if st == "all" {
			st = ""
		}
		rs, err := app.Requests.List(cmd.Context(), request.ListInput{Status: st, Kind: *kind, Limit: *limit})
		if err != nil {
			return err
		}
		if *asJSON {
			return writeJSON(m, rs)
		}
		today := calendar.DateOf(app.Clock.Now()).String()
		tw := tabwriter.NewWriter(m.Stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tKIND\tSTATUS\tRECEIVED\tDUE\t")
		for _, r := range rs {
			due := r.DueOn
			if r.Overdue(today) {
				due += " OVERDUE"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t\n", r.ID, r.Kind, r.Status, r.ReceivedAt.In(calendar.Oslo()).Format("2006-01-02 15:04"), due)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		fmt.Fprintf(m.Stderr, "%d requests\n", len(rs))
		return nil
	}

	show := &cobra.Command{Use: "show ID", Short: "Show a request and its history (as JSON: it holds the requester's email)", Args: cobra.ExactArgs(1)}
	showCfg := m.configFlags(show)
	show.RunE = func(cmd *cobra.Command, args []string) error {
		app, err := m.openPolicyApp(cmd, *showCfg)
		if err != nil {
			return err
		}
		defer app.Close()
		r, err := app.Requests.Get(cmd.Context(), args[0])
		if err != nil {
			return err
		}
		h, err := app.Requests.History(cmd.Context(), args[0])
		if err != nil {
			return err
		}
		return writeJSON(m, struct {
			*vern.Request
			History []*vern.RequestEvent `json:"history"`
		}{r, h})
	}

	extend := &cobra.Command{Use: "extend ID --reason TEXT", Short: "Extend the deadline by up to two months; the person is told why", Args: cobra.ExactArgs(1)}
	extendCfg := m.configFlags(extend)
	extendReason := extend.Flags().String("reason", "", "why the request needs more time (sent to the person)")
	extend.RunE = func(cmd *cobra.Command, args []string) error {
		app, err := m.openPolicyApp(cmd, *extendCfg)
		if err != nil {
			return err
		}
		defer app.Close()
		r, err := app.Requests.Extend(cmd.Context(), cliActor, args[0], *extendReason)
		if err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "requests: %s extended; now due %s (first deadline %s)\n", r.ID, r.DueOn, r.FirstDueOn)
		return nil
	}

	complete := &cobra.Command{Use: "complete ID --resolution TEXT", Short: "Complete a request staff handled; the answer is mailed", Args: cobra.ExactArgs(1)}
	completeCfg := m.configFlags(complete)
	resolution := complete.Flags().String("resolution", "", "the answer the person gets")
	complete.RunE = func(cmd *cobra.Command, args []string) error {
		app, err := m.openPolicyApp(cmd, *completeCfg)
		if err != nil {
			return err
		}
		defer app.Close()
		r, err := app.Requests.Complete(cmd.Context(), cliActor, args[0], *resolution)
		if err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "requests: %s completed\n", r.ID)
		return nil
	}

	reject := &cobra.Command{Use: "reject ID --reason TEXT", Short: "Reject a request; the reason and the right to complain are mailed", Args: cobra.ExactArgs(1)}
	rejectCfg := m.configFlags(reject)
	rejectReason := reject.Flags().String("reason", "", "why the request is refused (sent to the person)")
	reject.RunE = func(cmd *cobra.Command, args []string) error {
		app, err := m.openPolicyApp(cmd, *rejectCfg)
		if err != nil {
			return err
		}
		defer app.Close()
		r, err := app.Requests.Reject(cmd.Context(), cliActor, args[0], *rejectReason)
		if err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "requests: %s rejected\n", r.ID)
		return nil
	}
	open := &cobra.Command{Use: "open --kind KIND (--email EMAIL | --person-id ID)", Short: "Open a request on a person's behalf; with --skip-reason a known person needs no code", Args: cobra.NoArgs}
	openCfg := m.configFlags(open)
	var in request.StaffInput
	open.Flags().StringVar(&in.Kind, "kind", "", "access, rectification, erasure, restriction, objection, portability, withdrawal or complaint")
	open.Flags().StringVar(&in.Email, "email", "", "the requester's email")
	open.Flags().StringVar(&in.PersonID, "person-id", "", "the person the request is about")
	open.Flags().StringVar(&in.Language, "language", "", "nb or en")
	open.Flags().StringVar(&in.Details.Message, "message", "", "the person's own words (a complaint, for example)")
	open.Flags().StringVar(&in.Details.Scope, "scope", "", "objection: a purpose key or direct_marketing")
	open.Flags().StringVar(&in.SkipReason, "skip-reason", "", "skip email verification for a known person, for this recorded reason")
	open.RunE = func(cmd *cobra.Command, args []string) error {
		app, err := m.openPolicyApp(cmd, *openCfg)
		if err != nil {
			return err
		}
		defer app.Close()
		in.SkipVerification = in.SkipReason != ""
		r, err := app.Requests.Open(cmd.Context(), cliActor, in)
		if err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "requests: %s opened (%s), due %s\n", r.ID, r.Status, r.DueOn)
		if r.Status == vern.StatusVerified {
			// No job queue runs here: fulfil now, as a node would.
			if err := app.Requests.Process(cmd.Context(), r.ID); err != nil {
				return err
			}
			if r, err = app.Requests.Get(cmd.Context(), r.ID); err != nil {
				return err
			}
			fmt.Fprintf(m.Stdout, "requests: %s is %s\n", r.ID, r.Status)
		}
		return nil
	}
	cmd.AddCommand(list, show, open, extend, complete, reject)
	return cmd
}

func writeJSON(m *Main, v any) error {
	enc := json.NewEncoder(m.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
