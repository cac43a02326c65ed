package main

import (
	"context"
	"flag"
	"fmt"
	"time"

	"github.com/laurelnet/laurel/esco"
	"github.com/laurelnet/laurel/migrations"
	"github.com/laurelnet/laurel/node"
)

func serveCmd(fs *flag.FlagSet) func(context.Context, *env) error {
	listen := fs.String("listen", "127.0.0.1:8080", "address to listen on")
	baseURL := fs.String("base-url", "", "public URL of the node (default http://LISTEN)")
	maxBody := fs.Int64("max-body-bytes", 1<<20, "largest request body accepted")
	allowIPs := fs.String("allow-ips", "", "private networks outgoing requests may reach, comma-separated CIDRs (e.g. 127.0.0.0/8 for test nodes on loopback)")
	trustedProxies := fs.String("trusted-proxies", "", "load balancers whose X-Forwarded-For names the client, comma-separated CIDRs (e.g. 10.0.0.5/32); from anyone else the header is ignored")
	authorizedFetch := fs.Bool("authorized-fetch", false, "require signed GETs for actor documents and collections")
	federationMode := fs.String("federation-mode", "open", "open: federate with every domain not blocked; allowlist: only with the domains allowed by laurel domain allow")
	dbMaxConns := fs.Int("db-max-conns", node.DefaultDBMaxConns, "most PostgreSQL connections this process opens (River's workers plus HTTP); with N processes on one PostgreSQL, N times this must fit its max_connections")
	shutdown := fs.Duration("shutdown-timeout", 15*time.Second, "how long to let requests and jobs finish at shutdown")
	smtpURL := fs.String("smtp-url", "", "SMTP relay for outgoing mail: smtp://user:pass@host:587 (STARTTLS when offered; add ?tls=required or ?tls=none), smtps://user:pass@host:465 (default: send no mail)")
	smtpFrom := fs.String("smtp-from", "", "sender address of outgoing mail (default laurel@ the --base-url host)")
	escoURL := fs.String("esco-url", "", "base URL of ESCO's web API for alignment search (default "+esco.DefaultBaseURL+
		", or "+esco.DefaultClassicBaseURL+" with --esco-api classic; a downloadable ESCO local API, e.g. http://localhost:8080, with --esco-api classic); none: search the local ESCO store only")
	metricsListen := fs.String("metrics-listen", "", "serve /metrics alone on this host:port (e.g. 127.0.0.1:9100), to anyone who reaches it; bind it to a private address")
	metricsToken := fs.String("metrics-token", "", "let /metrics be read on --listen with \"Authorization: Bearer TOKEN\" (better set as LAUREL_METRICS_TOKEN); without this or --metrics-listen no one reads the metrics")
	escoAPI := fs.String("esco-api", esco.APIOpen, "the API --esco-url serves: open (the ESCO Open API) or classic (ESCO's classic API and the ESCO local API)")
	lang := fs.String("language", "en", "the node's default language for pages, for readers who set none and whose browser asks for none Laurel speaks: en, fi, sv or fr")
	return func(ctx context.Context, e *env) error {
		if *escoURL == "" {
			*escoURL = esco.DefaultBaseURL
			if *escoAPI == esco.APIClassic {
				*escoURL = esco.DefaultClassicBaseURL
			}
		}
		n, err := node.Start(ctx, node.Config{
			Listen:          *listen,
			BaseURL:         *baseURL,
			DataDir:         e.common.data,
			DatabaseURL:     e.common.databaseURL,
			PGBinDir:        e.common.pgBinDir,
			DBMaxConns:      *dbMaxConns,
			AllowIPs:        *allowIPs,
			TrustedProxies:  *trustedProxies,
			AuthorizedFetch: *authorizedFetch,
			FederationMode:  *federationMode,
			MaxBodyBytes:    *maxBody,
			SMTPURL:         *smtpURL,
			SMTPFrom:        *smtpFrom,
			ESCOURL:         *escoURL,
			ESCOAPI:         *escoAPI,
			MetricsListen:   *metricsListen,
			MetricsToken:    *metricsToken,
			Language:        *lang,
			ShutdownTimeout: *shutdown,
			Logger:          e.log,
			Version:         version(),
		})
		if err != nil {
			return err
		}
		err = n.Wait(ctx)
		e.log.Info("shutting down")
		n.Stop(context.Background())
		return err
	}
}

func migrateCmd(fs *flag.FlagSet) func(context.Context, *env) error {
	return func(ctx context.Context, e *env) error {
		db, err := node.OpenDatabase(ctx, e.common.nodeConfig(e.log))
		if err != nil {
			return err
		}
		defer db.Close(context.WithoutCancel(ctx))
		res, err := migrations.Apply(ctx, db.Pool)
		if err != nil {
			return fmt.Errorf("migrate database: %w", err)
		}
		fmt.Fprintf(e.stdout, "applied %d River and %d Laurel migrations\n", len(res.River), len(res.Laurel))
		return nil
	}
}

func versionCmd(fs *flag.FlagSet) func(context.Context, *env) error {
	return func(ctx context.Context, e *env) error {
		fmt.Fprintln(e.stdout, "laurel", version())
		return nil
	}
}
