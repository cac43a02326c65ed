package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/laurelnet/laurel/node"
)

// commonFlags are taken by every command that touches the node's data, so
// that admin commands find the same database as `laurel serve`.
type commonFlags struct {
	data        string
	databaseURL string
	pgBinDir    string
	logLevel    string
	logFormat   string
}

func addCommonFlags(fs *flag.FlagSet, name string) *commonFlags {
	// Admin commands are quiet unless asked: their output is the answer,
	// not the embedded database's progress.
	level := "warn"
	if name == "serve" {
		level = "info"
	}
	c := &commonFlags{logLevel: level, logFormat: "text"}
	if name == "version" {
		return c
	}
	fs.String("config", "", "read flags from this file, one \"name value\" per line")
	fs.StringVar(&c.data, "data", "./data", "directory for the node's files and its embedded database")
	fs.StringVar(&c.databaseURL, "database-url", os.Getenv("DATABASE_URL"),
		"PostgreSQL URL to use instead of the embedded database (also DATABASE_URL)")
	fs.StringVar(&c.pgBinDir, "pg-bindir", "", "directory with initdb, pg_ctl and postgres for the embedded database (default: search PATH, pg_config, /usr/lib/postgresql)")
	fs.StringVar(&c.logLevel, "log-level", level, "log level: debug, info, warn or error")
	fs.StringVar(&c.logFormat, "log-format", "text", "log format: text or json")
	return c
}

// nodeConfig is the part of a node's configuration that admin commands share
// with serve: where the data and the database are.
func (c *commonFlags) nodeConfig(log *slog.Logger) node.Config {
	return node.Config{DataDir: c.data, DatabaseURL: c.databaseURL, PGBinDir: c.pgBinDir, Logger: log}
}

func (c *commonFlags) logger(w io.Writer) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.logLevel)); err != nil {
		return nil, fmt.Errorf("--log-level %q: must be debug, info, warn or error", c.logLevel)
	}
	opts := &slog.HandlerOptions{Level: level}
	switch c.logFormat {
	case "text", "":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("--log-format %q: must be text or json", c.logFormat)
}
