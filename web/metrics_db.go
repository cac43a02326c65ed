package web

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
)

// dbCollector exports what an operator watches when a node runs on several
// processes (docs/SCALING.md): how often and how long requests and jobs
// wait for a connection of this process's pool, and, node-wide from
// PostgreSQL, how far the job queues lag and how many deliveries are
// waiting. The queue figures are read at scrape time, bounded by a short
// timeout, and left out when the database does not answer.
type dbCollector struct {
	pool                                *pgxpool.Pool
	maxConns, waits, waitSeconds, timed *prometheus.Desc
	available, running, lag, backlog    *prometheus.Desc
}

func newDBCollector(pool *pgxpool.Pool) *dbCollector {
	return &dbCollector{
		pool:        pool,
		maxConns:    prometheus.NewDesc("laurel_db_pool_max_connections", "Most database connections this process opens (--db-max-conns).", nil, nil),
		waits:       prometheus.NewDesc("laurel_db_pool_waits_total", "Connection acquires that had to wait for a free connection.", nil, nil),
		waitSeconds: prometheus.NewDesc("laurel_db_pool_wait_seconds_total", "Time spent waiting for a free connection, by acquires that got one.", nil, nil),
		timed:       prometheus.NewDesc("laurel_db_pool_canceled_acquires_total", "Acquires given up before a connection was free (request answered 503, or its client gone).", nil, nil),
		available:   prometheus.NewDesc("laurel_jobs_available", "Jobs ready to run and not yet taken, node-wide.", []string{"queue"}, nil),
		running:     prometheus.NewDesc("laurel_jobs_running", "Jobs being worked, node-wide.", []string{"queue"}, nil),
		lag:         prometheus.NewDesc("laurel_jobs_lag_seconds", "How long the oldest job ready to run has waited past its scheduled time, node-wide.", []string{"queue"}, nil),
		backlog:     prometheus.NewDesc("laurel_delivery_backlog", "Deliveries of activities not yet accepted by their inbox (waiting, retrying), node-wide.", nil, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *dbCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.maxConns, c.waits, c.waitSeconds, c.timed, c.available, c.running, c.lag, c.backlog} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *dbCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.pool.Stat()
	ch <- prometheus.MustNewConstMetric(c.maxConns, prometheus.GaugeValue, float64(st.MaxConns()))
	ch <- prometheus.MustNewConstMetric(c.waits, prometheus.CounterValue, float64(st.EmptyAcquireCount()))
	ch <- prometheus.MustNewConstMetric(c.waitSeconds, prometheus.CounterValue, st.EmptyAcquireWaitTime().Seconds())
	ch <- prometheus.MustNewConstMetric(c.timed, prometheus.CounterValue, float64(st.CanceledAcquireCount()))

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	rows, err := c.pool.Query(ctx, `SELECT queue,
			count(*) FILTER (WHERE state = 'available' AND scheduled_at <= now()),
			count(*) FILTER (WHERE state = 'running'),
			coalesce(extract(epoch FROM now() - min(scheduled_at) FILTER (WHERE state = 'available' AND scheduled_at <= now())), 0)::float8
		FROM river_job WHERE state IN ('available', 'running') GROUP BY queue`)
	if err != nil {
		return
	}
	for rows.Next() {
		var queue string
		var available, running int64
		var lag float64
		if rows.Scan(&queue, &available, &running, &lag) != nil {
			break
		}
		ch <- prometheus.MustNewConstMetric(c.available, prometheus.GaugeValue, float64(available), queue)
		ch <- prometheus.MustNewConstMetric(c.running, prometheus.GaugeValue, float64(running), queue)
		ch <- prometheus.MustNewConstMetric(c.lag, prometheus.GaugeValue, lag, queue)
	}
	rows.Close()
	// A partial index (migration 0020) keeps this from scanning every
	// delivery ever made.
	var backlog int64
	if c.pool.QueryRow(ctx, `SELECT count(*) FROM delivery WHERE state = 'pending'`).Scan(&backlog) == nil {
		ch <- prometheus.MustNewConstMetric(c.backlog, prometheus.GaugeValue, float64(backlog))
	}
}
