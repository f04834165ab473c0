package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

func (m *Main) migrateCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Apply pending database migrations and exit",
		Args:  cobra.NoArgs,
	}
	cfg := m.configFlags(cmd)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		kind, _, err := cfg.backend()
		if err != nil {
			return err
		}
		app, err := openApp(cmd.Context(), *cfg, m.Stderr)
		if err != nil {
			return err
		}
		defer app.Close()
		fmt.Fprintf(m.Stdout, "%s database is up to date\n", kind)
		return nil
	}
	return cmd
}
