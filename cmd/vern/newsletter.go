package main

import (
	"fmt"
	"os"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/vernhq/vern/newsletter"
)

func (m *Main) newsletterCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "newsletter", Short: "Mailings: send to a list, list sends, resume interrupted ones"}
	cmd.AddCommand(m.newsletterSendCommand(), m.newsletterListCommand(), m.newsletterResumeCommand())
	return cmd
}

func (m *Main) newsletterSendCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "send newsletter|customer_updates --subject-nb S --subject-en S --body-nb FILE --body-en FILE",
		Short: "Queue a mailing to a list; vern serve delivers it over SMTP",
		Long: `Queue one email per recipient in the mail outbox: newsletter goes to people who
consented, customer_updates to existing customers (markedsføringsloven § 15).
Restricted, objected, withdrawn and suppressed people get nothing. Every email
carries a one-click List-Unsubscribe link (RFC 8058) and a visible one. The
bodies are plain-text files, one per language of the policy.`,
		Args: cobra.ExactArgs(1),
	}
	cfg := m.configFlags(cmd)
	subj := map[string]*string{"nb": cmd.Flags().String("subject-nb", "", "subject in Norwegian"), "en": cmd.Flags().String("subject-en", "", "subject in English")}
	body := map[string]*string{"nb": cmd.Flags().String("body-nb", "", "plain-text body file in Norwegian"), "en": cmd.Flags().String("body-en", "", "plain-text body file in English")}
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		in := newsletter.SendInput{List: args[0], Subject: map[string]string{}, Body: map[string]string{}}
		for lang, s := range subj {
			if *s != "" {
				in.Subject[lang] = *s
			}
		}
		for lang, f := range body {
			if *f == "" {
				continue
			}
			b, err := os.ReadFile(*f)
			if err != nil {
				return fmt.Errorf("read body: %w", err)
			}
			in.Body[lang] = string(b)
		}
		app, err := m.openPolicyApp(cmd, *cfg)
		if err != nil {
			return err
		}
		defer app.Close()
		sd, err := app.Newsletters.Send(cmd.Context(), cliActor, in)
		if err != nil {
			return err
		}
		fmt.Fprintf(m.Stderr, "send %s: %d emails queued, %d people skipped\n", sd.ID, sd.Queued, sd.Skipped)
		return nil
	}
	return cmd
}

func (m *Main) newsletterListCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "list", Short: "List mailings and policy notices, newest first", Args: cobra.NoArgs}
	cfg := m.configFlags(cmd)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		app, err := m.openPolicyApp(cmd, *cfg)
		if err != nil {
			return err
		}
		defer app.Close()
		sends, err := app.Newsletters.Sends(cmd.Context())
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(m.Stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tLIST\tSTATUS\tQUEUED\tSKIPPED\tCREATED\t")
		for _, sd := range sends {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%s\t\n", sd.ID, sd.List, sd.Status, sd.Queued, sd.Skipped, sd.CreatedAt.Format("2006-01-02 15:04"))
		}
		return tw.Flush()
	}
	return cmd
}

func (m *Main) newsletterResumeCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "resume", Short: "Finish queueing mailings and notices an interruption cut short", Args: cobra.NoArgs}
	cfg := m.configFlags(cmd)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		app, err := m.openPolicyApp(cmd, *cfg)
		if err != nil {
			return err
		}
		defer app.Close()
		return app.Newsletters.Resume(cmd.Context())
	}
	return cmd
}
