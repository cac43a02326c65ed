package main

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/laurelnet/laurel/federation"
)

// The domain commands manage the node's domain policy (package federation
// owns it): blocks, and the allowlist that `serve --federation-mode
// allowlist` federates with. A running node sees a change at once.

func domainBlockCmd(fs *flag.FlagSet) func(context.Context, *env) error {
	reason := fs.String("reason", "", "why, for the node's other admins")
	return domainChange("blocked", func(ctx context.Context, tx pgx.Tx, host string) error {
		return federation.BlockDomain(ctx, tx, host, *reason)
	})
}

func domainUnblockCmd(fs *flag.FlagSet) func(context.Context, *env) error {
	return domainChange("unblocked", func(ctx context.Context, tx pgx.Tx, host string) error {
		return federation.UnblockDomain(ctx, tx, host)
	})
}

func domainAllowCmd(fs *flag.FlagSet) func(context.Context, *env) error {
	return domainChange("allowed", func(ctx context.Context, tx pgx.Tx, host string) error {
		return federation.AllowDomain(ctx, tx, host)
	})
}

func domainDisallowCmd(fs *flag.FlagSet) func(context.Context, *env) error {
	return domainChange("disallowed", func(ctx context.Context, tx pgx.Tx, host string) error {
		return federation.DisallowDomain(ctx, tx, host)
	})
}

// domainChange runs change on the command's HOST, normalised first, so that
// a mistyped host fails before the database is opened, and says what it did.
func domainChange(done string, change func(ctx context.Context, tx pgx.Tx, host string) error) func(context.Context, *env) error {
	return func(ctx context.Context, e *env) error {
		host, err := federation.NormalizeHost(e.args[0])
		if err != nil {
			return err
		}
		return inTx(ctx, e, func(tx pgx.Tx) error {
			if err := change(ctx, tx, host); err != nil {
				return err
			}
			fmt.Fprintln(e.stdout, done, host)
			return nil
		})
	}
}

// domainListCmd prints one line per entry, tab-separated:
//
//	block	HOST	CREATED	REASON
//	allow	HOST	CREATED
func domainListCmd(fs *flag.FlagSet) func(context.Context, *env) error {
	return func(ctx context.Context, e *env) error {
		return inTx(ctx, e, func(tx pgx.Tx) error {
			blocks, err := federation.DomainBlocks(ctx, tx)
			if err != nil {
				return err
			}
			allows, err := federation.AllowedDomains(ctx, tx)
			if err != nil {
				return err
			}
			for _, b := range blocks {
				fmt.Fprintf(e.stdout, "block\t%s\t%s\t%s\n", b.Host, b.CreatedAt.UTC().Format(time.RFC3339), oneField(b.Reason))
			}
			for _, a := range allows {
				fmt.Fprintf(e.stdout, "allow\t%s\t%s\n", a.Host, a.CreatedAt.UTC().Format(time.RFC3339))
			}
			return nil
		})
	}
}

// oneField keeps free text from breaking the one-line, tab-separated form.
func oneField(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
