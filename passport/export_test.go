package passport

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/laurelnet/laurel/federation"
)

// ReceiveBadge runs the inbox handler for tests.
func (p *Passport) ReceiveBadge(ctx context.Context, tx pgx.Tx, in federation.Incoming) (string, bool, error) {
	return p.receiveBadge(ctx, tx, in)
}

// VerifyArrival runs the verification of a fediverse arrival for tests.
func (p *Passport) VerifyArrival(ctx context.Context, id int64, last bool) error {
	return p.verifyArrival(ctx, id, last)
}

// NodeImportsBusy is nodeImportsBusy, for tests.
func NodeImportsBusy(ctx context.Context, db DB) (bool, error) { return nodeImportsBusy(ctx, db) }
