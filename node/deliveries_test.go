package node_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/testkit/browser"
)

// TestRetryFailedDeliveryByHand: A refuses B's post (A blocked B), so B
// gives the delivery up at once (a 403 is not retried). After A lifts the
// block, B's node admin finds the delivery on the Failed deliveries page,
// in a real browser, and retries it; the post then arrives.
func TestRetryFailedDeliveryByHand(t *testing.T) {
	ctx := context.Background()
	a := startPeer(t, "127.0.0.2", "alpha", "FI")
	b := startPeer(t, "127.0.0.3", "beta", "DE")
	follow(t, a, b)
	if _, err := account.CreateUser(ctx, b.pool, account.NewUser{Email: "root@beta.example", Password: "long enough password", NodeAdmin: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.pool.Exec(ctx, `INSERT INTO domain_block (host) VALUES ($1)`, b.node.BaseURL().Host); err != nil {
		t.Fatal(err)
	}
	if status := b.api(t, "POST", "/posts", map[string]string{"content": "Refused at first."}, nil); status != http.StatusCreated {
		t.Fatalf("post = %d", status)
	}
	eventually(t, "B gave the delivery up", func() bool {
		var state string
		err := b.pool.QueryRow(ctx, `SELECT d.state FROM delivery d JOIN outbox_activity o ON o.id = d.outbox_id
			WHERE o.type = 'Create'`).Scan(&state)
		return err == nil && state == "failed"
	})
	if _, err := a.pool.Exec(ctx, `DELETE FROM domain_block`); err != nil {
		t.Fatal(err)
	}

	bctx := browser.New(t)
	browser.Do(t, bctx,
		chromedp.Navigate(b.base+"/admin/deliveries"),
		chromedp.WaitVisible(chromedp.CSS("#email")),
		chromedp.SendKeys(chromedp.CSS("#email"), "root@beta.example"),
		chromedp.SendKeys(chromedp.CSS("#password"), "long enough password"),
		chromedp.Click(chromedp.CSS("form.card button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("table")),
	)
	row := browser.Text(t, bctx, "table tbody tr")
	if !strings.Contains(row, "Create") || !strings.Contains(row, a.base+"/inbox") || !strings.Contains(row, "403") {
		t.Fatalf("failed delivery row reads %q, want the Create to A's shared inbox with the 403", row)
	}
	browser.Screenshot(t, bctx, "failed-deliveries")
	// The form posts and the browser follows the redirect back to the
	// list, which is empty now: wait for that page, not the old one.
	browser.Do(t, bctx, chromedp.Click(chromedp.CSS("table tbody tr button")))
	if text := browser.Text(t, bctx, "#no-failures"); text != "No failed deliveries." {
		t.Fatalf("after retrying the page reads %q", text)
	}
	eventually(t, "the retried post arrived", func() bool { return creates(t, a) == 1 })
}
