// Command laurel is the one binary of a Laurel node: `laurel serve` runs the
// node, `laurel migrate` applies database migrations, and the admin commands
// (org, user, token) manage it from the shell, whether or not a node is
// running on the same data.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"

	"github.com/peterbourgon/ff/v3"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// command is one subcommand: its flags and what it does.
type command struct {
	name    string // e.g. "org create"
	summary string
	flags   func(fs *flag.FlagSet) func(ctx context.Context, env *env) error
	args    string // the arguments it takes, e.g. "HOST"; "" for none
}

// env is what a command runs with.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	log            *slog.Logger
	common         *commonFlags
	args           []string // the command's arguments, as many as command.args names
}

var commands = []command{
	{"serve", "run the node", serveCmd, ""},
	{"migrate", "apply database migrations and exit", migrateCmd, ""},
	{"org create", "create an organisation", orgCreateCmd, ""},
	{"user create", "create a user, optionally in an organisation", userCreateCmd, ""},
	{"user password", "set a user's password, read from standard input", userPasswordCmd, ""},
	{"token create", "create an API token for a user and print it", tokenCreateCmd, ""},
	{"token list", "list a user's API tokens: id, name, when made and last used", tokenListCmd, ""},
	{"token revoke", "revoke one of a user's API tokens, by its id", tokenRevokeCmd, "ID"},
	{"signup mode", "set who may sign up: open, invitation or closed", signupModeCmd, "MODE"},
	{"domain block", "block a domain and its subdomains", domainBlockCmd, "HOST"},
	{"domain unblock", "lift a domain block", domainUnblockCmd, "HOST"},
	{"domain allow", "allow a domain and its subdomains (for --federation-mode allowlist)", domainAllowCmd, "HOST"},
	{"domain disallow", "remove a domain from the allowlist", domainDisallowCmd, "HOST"},
	{"domain list", "list blocked and allowed domains", domainListCmd, ""},
	{"esco import", "load ESCO's bulk-download CSV files (a dataset directory) into the local ESCO store", escoImportCmd, "DIR"},
	{"version", "print the version", versionCmd, ""},
}

// Exit codes: 0 success, 1 failure, 2 wrong usage.
const (
	exitOK    = 0
	exitFail  = 1
	exitUsage = 2
)

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	cmd, rest, ok := findCommand(args)
	if !ok {
		if len(args) > 0 && args[0] != "-h" && args[0] != "--help" && args[0] != "help" {
			// One line, like every other error: the commands, then where to read more.
			names := make([]string, len(commands))
			for i, c := range commands {
				names[i] = c.name
			}
			fmt.Fprintf(stderr, "laurel: unknown command %q: the commands are %s (see laurel -h)\n",
				strings.Join(args, " "), strings.Join(names, ", "))
			return exitUsage
		}
		usage(stdout)
		return exitOK
	}
	fs := flag.NewFlagSet("laurel "+cmd.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr}
	e.common = addCommonFlags(fs, cmd.name)
	action := cmd.flags(fs)
	err := ff.Parse(fs, rest,
		ff.WithEnvVarPrefix("LAUREL"),
		ff.WithConfigFileFlag("config"),
		ff.WithConfigFileParser(ff.PlainParser))
	// Flags may also follow the arguments: laurel domain block HOST --reason R.
	for err == nil && fs.NArg() > 0 && len(e.args) < len(strings.Fields(cmd.args)) {
		e.args = append(e.args, fs.Arg(0))
		err = fs.Parse(fs.Args()[1:])
	}
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprintf(stdout, "Usage: laurel %s [flags]%s\n\n%s.\n\nFlags (also LAUREL_NAME environment variables and --config file lines \"name value\"):\n", cmd.name, strings.TrimRight(" "+cmd.args, " "), cmd.summary)
		fs.SetOutput(stdout)
		fs.PrintDefaults()
		return exitOK
	}
	if err != nil {
		fmt.Fprintf(stderr, "laurel %s: %v (see laurel %s -h)\n", cmd.name, unwrapAll(err), cmd.name)
		return exitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "laurel %s: unexpected argument %q (see laurel %s -h)\n", cmd.name, fs.Arg(0), cmd.name)
		return exitUsage
	}
	if want := strings.Fields(cmd.args); len(e.args) < len(want) {
		fmt.Fprintf(stderr, "laurel %s: missing %s (see laurel %s -h)\n", cmd.name, want[len(e.args)], cmd.name)
		return exitUsage
	}
	e.log, err = e.common.logger(stderr)
	if err != nil {
		fmt.Fprintf(stderr, "laurel %s: %v\n", cmd.name, err)
		return exitUsage
	}
	if err := action(ctx, e); err != nil {
		fmt.Fprintf(stderr, "laurel %s: %s\n", cmd.name, oneLine(err))
		return exitFail
	}
	return exitOK
}

// findCommand matches the longest command name at the start of args.
func findCommand(args []string) (command, []string, bool) {
	for _, c := range commands {
		words := strings.Fields(c.name)
		if len(args) >= len(words) && strings.Join(args[:len(words)], " ") == c.name {
			return c, args[len(words):], true
		}
	}
	return command{}, nil, false
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Usage: laurel COMMAND [flags]\n\nCommands:")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-15s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'laurel COMMAND -h' for a command's flags.")
}

// unwrapAll strips ff's "error parsing ...:" prefixes down to the cause, so
// the user reads one plain line.
func unwrapAll(err error) error {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err
		}
		err = next
	}
}

// oneLine renders err on one line: some causes span several (pgx lists each
// connection attempt on its own line, often the same one twice), and an
// operator's terminal or log should get one line per failure.
func oneLine(err error) string {
	var b strings.Builder
	var seen []string
	for line := range strings.Lines(err.Error()) {
		line = strings.TrimSpace(line)
		if line == "" || slices.Contains(seen, line) {
			continue
		}
		seen = append(seen, line)
		if b.Len() > 0 {
			if strings.HasSuffix(b.String(), ":") {
				b.WriteString(" ")
			} else {
				b.WriteString("; ")
			}
		}
		b.WriteString(line)
	}
	return b.String()
}
