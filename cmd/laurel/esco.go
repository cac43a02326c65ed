package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/jackc/pgx/v5"

	"github.com/laurelnet/laurel/esco"
)

// escoImportCmd loads a directory of ESCO's bulk-download CSV files into the
// node's local ESCO store, which alignment search falls back to when ESCO
// cannot be reached. It prints esco.ImportReport: one line, and a second
// when broken rows were skipped.
func escoImportCmd(fs *flag.FlagSet) func(context.Context, *env) error {
	version := fs.String("version", "", "ESCO version of the files, e.g. v1.1.1 (default: from the directory's name, like dataset-v1.1.1-en)")
	return func(ctx context.Context, e *env) error {
		dir := e.args[0]
		// A mistyped directory fails before the database is opened.
		if info, err := os.Stat(dir); err != nil {
			return fmt.Errorf("ESCO dataset directory: %w", err)
		} else if !info.IsDir() {
			return fmt.Errorf("ESCO dataset directory: %s is not a directory", dir)
		}
		return inTx(ctx, e, func(tx pgx.Tx) error {
			report, err := esco.Import(ctx, tx, dir, esco.ImportOptions{Version: *version})
			if err != nil {
				return err
			}
			fmt.Fprintln(e.stdout, report)
			return nil
		})
	}
}
