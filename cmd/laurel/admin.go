package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"runtime/debug"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/jackc/pgx/v5"
	"golang.org/x/mod/semver"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/migrations"
	"github.com/laurelnet/laurel/node"
	"github.com/laurelnet/laurel/problem"
)

// inTx opens the node's database (bringing the schema up to date, since an
// admin command may be the first thing run on fresh data) and runs f in one
// transaction.
func inTx(ctx context.Context, e *env, f func(tx pgx.Tx) error) error {
	db, err := node.OpenDatabase(ctx, e.common.nodeConfig(e.log))
	if err != nil {
		return err
	}
	defer db.Close(context.WithoutCancel(ctx))
	if _, err := migrations.Apply(ctx, db.Pool); err != nil {
		return fmt.Errorf("migrate database: %w", err)
	}
	return pgx.BeginFunc(ctx, db.Pool, f)
}

func orgCreateCmd(fs *flag.FlagSet) func(context.Context, *env) error {
	var in issuer.NewOrganisation
	fs.StringVar(&in.Slug, "slug", "", "short name used in URLs and handles (required)")
	fs.StringVar(&in.Name, "name", "", "display name (required)")
	fs.StringVar(&in.Country, "country", "", "ISO 3166 two-letter country code (required)")
	fs.StringVar(&in.URL, "url", "", "web site")
	fs.StringVar(&in.Email, "email", "", "contact email")
	fs.StringVar(&in.Description, "description", "", "short description")
	return func(ctx context.Context, e *env) error {
		return inTx(ctx, e, func(tx pgx.Tx) error {
			o, err := issuer.CreateOrganisation(ctx, tx, in)
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "created organisation %s (%s, %s)\n", o.Slug, o.Name, o.Country)
			return nil
		})
	}
}

func userCreateCmd(fs *flag.FlagSet) func(context.Context, *env) error {
	var in account.NewUser
	fs.StringVar(&in.Email, "email", "", "login email (required)")
	fs.StringVar(&in.Username, "username", "", "handle, as in username@host (default: from the email)")
	fs.StringVar(&in.Name, "name", "", "display name")
	fs.BoolVar(&in.NodeAdmin, "node-admin", false, "make the user an admin of the whole node")
	passwordStdin := fs.Bool("password-stdin", false, "read the password from the first line of standard input (required)")
	org := fs.String("org", "", "slug of an organisation to add the user to")
	role := fs.String("role", "", "role in --org: admin, creator, issuer or reviewer (default creator; staff, the older name, is creator)")
	return func(ctx context.Context, e *env) error {
		if !*passwordStdin {
			return errors.New("--password-stdin is required: passwords are never taken as flags, which leak into shell history and process lists")
		}
		if *role != "" && *org == "" {
			return errors.New("--role needs --org")
		}
		r := account.RoleCreator
		if *role != "" {
			var err error
			if r, err = account.ParseRole(*role); err != nil {
				return err
			}
		}
		line, err := bufio.NewReader(e.stdin).ReadString('\n')
		if err != nil && line == "" {
			return errors.New("reading the password from standard input: nothing there")
		}
		in.Password = strings.TrimRight(line, "\r\n")
		return inTx(ctx, e, func(tx pgx.Tx) error {
			u, err := account.CreateUser(ctx, tx, in)
			if pe, ok := problem.As(err); ok && pe.Kind == problem.Conflict && pe.Field == "username" && in.Username == "" {
				return fmt.Errorf("%w: the handle comes from the email address; choose another with --username", err)
			}
			if err != nil {
				return err
			}
			msg := "created user " + u.Email + " (@" + u.Username + ")"
			if *org != "" {
				o, err := issuer.OrganisationBySlug(ctx, tx, *org)
				if err != nil {
					return err
				}
				if err := account.SetMembership(ctx, tx, u.ID, o.ID, r); err != nil {
					return err
				}
				msg += fmt.Sprintf(", %s of %s", r, o.Slug)
			}
			fmt.Fprintln(e.stdout, msg)
			return nil
		})
	}
}

func tokenCreateCmd(fs *flag.FlagSet) func(context.Context, *env) error {
	email := fs.String("email", "", "the user's email (required)")
	name := fs.String("name", "cli", "a name to recognise the token by")
	return func(ctx context.Context, e *env) error {
		return inTx(ctx, e, func(tx pgx.Tx) error {
			u, err := account.UserByEmail(ctx, tx, *email)
			if err != nil {
				return err
			}
			token, err := account.CreateToken(ctx, tx, u.ID, *name)
			if err != nil {
				return err
			}
			fmt.Fprintln(e.stdout, token)
			return nil
		})
	}
}

// userPasswordCmd sets a user's password, as strong as account.CheckPassword
// asks; it does not end their browser sessions (a node admin does that
// with the person, or the person at /me/account).
func userPasswordCmd(fs *flag.FlagSet) func(context.Context, *env) error {
	email := fs.String("email", "", "the user's email (required)")
	passwordStdin := fs.Bool("password-stdin", false, "read the password from the first line of standard input (required)")
	return func(ctx context.Context, e *env) error {
		if !*passwordStdin {
			return errors.New("--password-stdin is required: passwords are never taken as flags, which leak into shell history and process lists")
		}
		line, err := bufio.NewReader(e.stdin).ReadString('\n')
		if err != nil && line == "" {
			return errors.New("reading the password from standard input: nothing there")
		}
		return inTx(ctx, e, func(tx pgx.Tx) error {
			u, err := account.UserByEmail(ctx, tx, *email)
			if err != nil {
				return err
			}
			if err := account.SetPassword(ctx, tx, u, strings.TrimRight(line, "\r\n")); err != nil {
				return err
			}
			fmt.Fprintln(e.stdout, "password set for", u.Email)
			return nil
		})
	}
}

func tokenListCmd(fs *flag.FlagSet) func(context.Context, *env) error {
	email := fs.String("email", "", "the user's email (required)")
	return func(ctx context.Context, e *env) error {
		return inTx(ctx, e, func(tx pgx.Tx) error {
			u, err := account.UserByEmail(ctx, tx, *email)
			if err != nil {
				return err
			}
			list, err := account.Tokens(ctx, tx, u.ID)
			if err != nil {
				return err
			}
			w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "ID\tNAME\tMADE\tLAST USED")
			for _, t := range list {
				used := "never"
				if t.LastUsedAt != nil {
					used = t.LastUsedAt.UTC().Format(time.RFC3339)
				}
				fmt.Fprintf(w, "%d\t%s\t%s\t%s\n", t.ID, t.Name, t.CreatedAt.UTC().Format(time.RFC3339), used)
			}
			return w.Flush()
		})
	}
}

func tokenRevokeCmd(fs *flag.FlagSet) func(context.Context, *env) error {
	email := fs.String("email", "", "the user's email (required)")
	return func(ctx context.Context, e *env) error {
		id, err := strconv.ParseInt(e.args[0], 10, 64)
		if err != nil {
			return fmt.Errorf("token id %q: must be a number, as laurel token list shows", e.args[0])
		}
		return inTx(ctx, e, func(tx pgx.Tx) error {
			u, err := account.UserByEmail(ctx, tx, *email)
			if err != nil {
				return err
			}
			if err := account.RevokeToken(ctx, tx, u.ID, id); err != nil {
				return err
			}
			fmt.Fprintln(e.stdout, "revoked token", id, "of", u.Email)
			return nil
		})
	}
}

// signupModeCmd sets who may make themselves an account on the node (also
// on its admin page).
func signupModeCmd(fs *flag.FlagSet) func(context.Context, *env) error {
	return func(ctx context.Context, e *env) error {
		mode, err := account.ParseSignupMode(e.args[0])
		if err != nil {
			return err
		}
		return inTx(ctx, e, func(tx pgx.Tx) error {
			if err := account.SetSignupMode(ctx, tx, mode); err != nil {
				return err
			}
			fmt.Fprintln(e.stdout, "sign-up mode:", mode)
			return nil
		})
	}
}

// version is this build's version as Semantic Versioning, which NodeInfo
// requires (Fedify refuses anything else): the module version of a
// released build, else 0.0.0-dev with the VCS revision as build metadata.
func version() string {
	bi, _ := debug.ReadBuildInfo()
	return buildVersion(bi)
}

func buildVersion(bi *debug.BuildInfo) string {
	if bi == nil {
		return "0.0.0-dev"
	}
	if v := bi.Main.Version; semver.IsValid(v) {
		return strings.TrimPrefix(v, "v")
	}
	var rev string
	dirty := false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if rev == "" || strings.Trim(rev, "0123456789abcdef") != "" {
		return "0.0.0-dev"
	}
	if dirty {
		return "0.0.0-dev+" + rev + ".dirty"
	}
	return "0.0.0-dev+" + rev
}
