package passport

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/riverqueue/river"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/problem"
	"github.com/laurelnet/laurel/verifier"
)

// An import is a River job per upload: StartImport reads the spooled zip
// within the limits into passport_import_file, one row per badge file,
// and queues the job in the same transaction; the job verifies the files
// (ImportConcurrency at a time, on the ImportQueue, whose workers bound
// the node's imports) and records each outcome, which the page and the
// API show as it goes. A client that leaves loses nothing.

// Import states.
const (
	ImportQueued  = "queued"
	ImportRunning = "running"
	ImportDone    = "done"
	ImportFailed  = "failed"
)

// ImportQueue is the River queue of imports; ImportWorkers of them run at
// once in a process, and NodeImports at once on the whole node, however
// many processes serve it.
const (
	ImportQueue       = "passport_import"
	ImportWorkers     = 2
	NodeImports       = 4
	ImportConcurrency = 4 // verifications at once within one import
)

// importWait is how long an import waits when NodeImports already run.
const importWait = 15 * time.Second

// ImportJob is an import as its owner sees it.
type ImportJob struct {
	id         int64
	UUID       string         `json:"id"`
	State      string         `json:"state"` // queued, running, done or failed
	Error      string         `json:"error,omitempty"`
	Total      int            `json:"total"` // badge files
	Done       int            `json:"done"`  // of them, verified
	CreatedAt  time.Time      `json:"created_at"`
	FinishedAt *time.Time     `json:"finished_at,omitempty"`
	Results    []ImportResult `json:"-"`
}

// StartImport checks the export (size bytes in archive, the spooled
// upload) within the limits, keeps its badge files and queues the import
// job, all in one transaction; a zip that breaks the limits is a problem
// on "file" and nothing is kept. A person has one import at a time: a
// second while one runs is a Conflict.
func (p *Passport) StartImport(ctx context.Context, u account.User, archive io.ReaderAt, size int64) (ImportJob, error) {
	if p.queue == nil {
		return ImportJob{}, errors.New("the passport has no job queue for imports")
	}
	var job ImportJob
	err := pgx.BeginFunc(ctx, p.pool, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `INSERT INTO passport_import (user_id) VALUES ($1) RETURNING id, uuid::text, state, created_at`,
			u.ID).Scan(&job.id, &job.UUID, &job.State, &job.CreatedAt)
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.ConstraintName == "passport_import_one_at_a_time" {
			return problem.Conflictf("file", "an import of yours is under way: wait for it to finish")
		}
		if err != nil {
			return fmt.Errorf("record the import: %w", err)
		}
		index, err := readImport(archive, size, func(name string, data []byte) error {
			job.Total++
			_, err := tx.Exec(ctx, `INSERT INTO passport_import_file (import_id, position, name, data) VALUES ($1, $2, $3, $4)`,
				job.id, job.Total, name, data)
			return err
		})
		if err != nil {
			return err
		}
		for _, e := range index.Badges {
			if e.Visibility == Followers || e.Visibility == Public {
				if _, err := tx.Exec(ctx, `UPDATE passport_import_file SET visibility = $3 WHERE import_id = $1 AND name = $2`,
					job.id, e.File, e.Visibility); err != nil {
					return err
				}
			}
		}
		_, err = p.queue.InsertManyTx(ctx, tx, []river.InsertManyParams{{Args: ImportArgs{ImportID: job.id}}})
		return err
	})
	if _, ok := problem.As(err); ok {
		return ImportJob{}, err
	}
	if err != nil {
		return ImportJob{}, fmt.Errorf("start an import for %s: %w", u.Username, err)
	}
	return job, nil
}

// Import returns one of the user's imports (by its uuid) with the
// outcome of each file so far.
func Import(ctx context.Context, db DB, userID int64, uuid string) (ImportJob, error) {
	if !uuidPattern.MatchString(uuid) {
		return ImportJob{}, problem.NotFoundf("no import %q of yours", uuid)
	}
	return importWhere(ctx, db, `i.user_id = $1 AND i.uuid = $2::uuid`, userID, uuid)
}

// LatestImport is the user's last import, or NotFound.
func LatestImport(ctx context.Context, db DB, userID int64) (ImportJob, error) {
	return importWhere(ctx, db, `i.user_id = $1 ORDER BY i.id DESC LIMIT 1`, userID)
}

func importWhere(ctx context.Context, db DB, where string, args ...any) (ImportJob, error) {
	var j ImportJob
	err := db.QueryRow(ctx, `SELECT i.id, i.uuid::text, i.state, i.error, i.created_at, i.finished_at FROM passport_import i WHERE `+where,
		args...).Scan(&j.id, &j.UUID, &j.State, &j.Error, &j.CreatedAt, &j.FinishedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return ImportJob{}, problem.NotFoundf("no such import of yours")
	}
	if err != nil {
		return ImportJob{}, fmt.Errorf("read an import: %w", err)
	}
	rows, err := db.Query(ctx, `SELECT f.name, f.outcome, f.reason, coalesce(f.item_uuid::text, '') FROM passport_import_file f
		WHERE f.import_id = $1 ORDER BY f.position`, j.id)
	if err != nil {
		return ImportJob{}, fmt.Errorf("read an import's files: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var r ImportResult
		if err := rows.Scan(&r.File, &r.Outcome, &r.Reason, &r.ItemUUID); err != nil {
			return ImportJob{}, err
		}
		j.Total++
		if r.Outcome != "" {
			j.Done++
		}
		j.Results = append(j.Results, r)
	}
	return j, rows.Err()
}

// ImportArgs is the job of one import.
type ImportArgs struct {
	ImportID int64 `json:"import_id"`
}

// Kind implements river.JobArgs.
func (ImportArgs) Kind() string { return "passport_import" }

// InsertOpts puts imports on their own queue, so that they take at most
// ImportWorkers of a process's work at once.
func (ImportArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: ImportQueue, MaxAttempts: 3}
}

// ImportWorker runs imports.
type ImportWorker struct {
	river.WorkerDefaults[ImportArgs]
	Passport *Passport
}

// Timeout implements river.Worker: 200 verifications of slow issuers.
func (w *ImportWorker) Timeout(*river.Job[ImportArgs]) time.Duration { return 30 * time.Minute }

// Work verifies the import's files not yet verified (a retried job goes
// on where it stopped) and marks the import done.
func (w *ImportWorker) Work(ctx context.Context, job *river.Job[ImportArgs]) error {
	p := w.Passport
	if busy, err := nodeImportsBusy(ctx, p.pool); err != nil {
		return err
	} else if busy {
		return river.JobSnooze(importWait)
	}
	var userID int64
	err := p.pool.QueryRow(ctx, `UPDATE passport_import SET state = 'running' WHERE id = $1 AND state IN ('queued', 'running')
		RETURNING user_id`, job.Args.ImportID).Scan(&userID)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil // done already, or gone with its user
	}
	if err != nil {
		return err
	}
	u, err := account.UserByID(ctx, p.pool, userID)
	if err != nil {
		return err
	}
	rows, err := p.pool.Query(ctx, `SELECT position, name, visibility FROM passport_import_file
		WHERE import_id = $1 AND outcome = '' ORDER BY position`, job.Args.ImportID)
	if err != nil {
		return err
	}
	type pending struct {
		Position         int
		Name, Visibility string
	}
	todo, err := pgx.CollectRows(rows, pgx.RowToStructByPos[pending])
	if err != nil {
		return err
	}
	work := make(chan pending)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	for range min(ImportConcurrency, len(todo)) {
		wg.Go(func() {
			for f := range work {
				if err := p.importFile(ctx, u, job.Args.ImportID, f.Position, f.Name, f.Visibility); err != nil {
					mu.Lock()
					firstErr = cmpErr(firstErr, err)
					mu.Unlock()
				}
			}
		})
	}
	for _, f := range todo {
		work <- f
	}
	close(work)
	wg.Wait()
	if firstErr != nil {
		if job.Attempt >= job.MaxAttempts {
			_, _ = p.pool.Exec(ctx, `UPDATE passport_import SET state = 'failed', error = $2, finished_at = now() WHERE id = $1`,
				job.Args.ImportID, "the import stopped: "+firstErr.Error())
		}
		return firstErr
	}
	_, err = p.pool.Exec(ctx, `UPDATE passport_import SET state = 'done', finished_at = now() WHERE id = $1`, job.Args.ImportID)
	return err
}

// nodeImportsBusy reports whether more than NodeImports imports are
// running on the node, this one among them: River marks a job running in
// PostgreSQL before it is worked, so every process sees every other's
// (and a dead process's are rescued by River, and stop counting).
// Two imports starting at once may both see the other and both wait:
// the bound errs on the side of waiting.
func nodeImportsBusy(ctx context.Context, db DB) (bool, error) {
	var running int
	err := db.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE kind = $1 AND state = 'running'`,
		ImportArgs{}.Kind()).Scan(&running)
	if err != nil {
		return false, fmt.Errorf("count running imports: %w", err)
	}
	return running > NodeImports, nil
}

func cmpErr(first, err error) error {
	if first != nil {
		return first
	}
	return err
}

// importFile verifies one file of an import, as Add adds one badge, and
// records its outcome; the file's data goes once it has one.
func (p *Passport) importFile(ctx context.Context, u account.User, importID int64, position int, name, visibility string) error {
	var data []byte
	if err := p.pool.QueryRow(ctx, `SELECT data FROM passport_import_file WHERE import_id = $1 AND position = $2`,
		importID, position).Scan(&data); err != nil {
		return err
	}
	outcome, reason, itemUUID := ImportRefused, "", ""
	var in verifier.Input
	switch strings.ToLower(path.Ext(name)) {
	case ".png", ".svg":
		in.Image = data
	case ".json", ".jws", ".jwt":
		in.JSON = bytes.TrimSpace(data)
	default:
		reason = "not a badge: a baked PNG or SVG, an assertion (.json, .jws) or a credential (.json, .jwt)"
	}
	if reason == "" {
		it, err := p.Add(ctx, u, in)
		if pr, ok := problem.As(err); ok {
			reason = pr.Message
			if pr.Kind == problem.Conflict {
				outcome, reason = ImportAlready, ""
			}
		} else if err != nil {
			return fmt.Errorf("import %s: %w", name, err)
		} else {
			outcome, itemUUID = ImportAdded, it.UUID
			if visibility == Followers || visibility == Public {
				if _, err := SetVisibility(ctx, p.pool, u.ID, it.UUID, visibility); err != nil {
					return fmt.Errorf("import %s: %w", name, err)
				}
				if visibility == Public {
					// Not news: the badge was public where it came from.
					if _, err := p.pool.Exec(ctx, `UPDATE backpack_item SET announced_at = now() WHERE id = $1`, it.ID); err != nil {
						return fmt.Errorf("import %s: %w", name, err)
					}
				}
			}
		}
	}
	var item *string
	if itemUUID != "" {
		item = &itemUUID
	}
	// A reason may quote the file (an XML parser's error names the bytes
	// it choked on), and PostgreSQL keeps only valid UTF-8 text.
	reason = strings.ToValidUTF8(reason, "\uFFFD")
	_, err := p.pool.Exec(ctx, `UPDATE passport_import_file SET outcome = $3, reason = $4, item_uuid = $5::uuid, data = NULL
		WHERE import_id = $1 AND position = $2`, importID, position, outcome, reason, item)
	return err
}
