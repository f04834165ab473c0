package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/vernhq/vern/policy"
)

func (m *Main) policyCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "policy", Short: "Check and render policy files"}
	cmd.AddCommand(m.policyCheckCommand(), m.policyRenderCommand())
	return cmd
}

func (m *Main) policyCheckCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "check FILE",
		Short: "Validate a policy file; exit 1 with line-numbered errors",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			src, err := os.ReadFile(args[0])
			if err != nil {
				return fmt.Errorf("read policy: %w", err)
			}
			p, err := policy.Parse(src)
			var probs *policy.Problems
			if errors.As(err, &probs) {
				for _, pr := range probs.List {
					fmt.Fprintf(m.Stderr, "%s:%d:%d: %s: %s\n", args[0], pr.Line, pr.Column, pr.Path, pr.Message)
				}
				fmt.Fprintf(m.Stderr, "%s: %d problem(s)\n", args[0], len(probs.List))
				return exitError{code: 1}
			} else if err != nil {
				return err
			}
			for _, w := range p.Warnings() {
				fmt.Fprintf(m.Stderr, "%s:%d:%d: warning: %s: %s\n", args[0], w.Line, w.Column, w.Path, w.Message)
			}
			fmt.Fprintf(m.Stdout, "%s: valid (version %s, %d purposes)\n", args[0], p.Version, len(p.Purposes()))
			return nil
		},
	}
}

func (m *Main) policyRenderCommand() *cobra.Command {
	var lang string
	cmd := &cobra.Command{
		Use:   "render [FILE]",
		Short: "Print the privacy notice as HTML (the built-in example policy without FILE)",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			src := policy.Seed()
			if len(args) == 1 {
				var err error
				if src, err = os.ReadFile(args[0]); err != nil {
					return fmt.Errorf("read policy: %w", err)
				}
			} else if f := m.Getenv("VERN_POLICY"); f != "" {
				var err error
				if src, err = os.ReadFile(f); err != nil {
					return fmt.Errorf("read policy: %w", err)
				}
			}
			p, err := policy.Parse(src)
			if err != nil {
				return fmt.Errorf("the policy file is invalid; run vern policy check: %w", err)
			}
			if lang == "" {
				lang = p.DefaultLanguage
			}
			html, err := p.Render(lang)
			if err != nil {
				return err
			}
			_, err = m.Stdout.Write(html)
			return err
		},
	}
	cmd.Flags().StringVar(&lang, "lang", "", "language of the notice: nb or en (default: the policy's default)")
	return cmd
}
