package network

import (
	"context"
	"strings"
	"testing"

	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/locale"
)

// TestMailLanguage: the network's emails (a request at once, the daily
// digest, an invitation to an external endorser) go to addresses with no
// language setting, so they are in the node's default language;
// TestRequestEmails and the invitation tests read them in English.
func TestMailLanguage(t *testing.T) {
	n, pool := newNetwork(t)
	ctx := context.Background()
	finnish, err := locale.New("fi")
	if err != nil {
		t.Fatal(err)
	}
	queue := &recordingQueue{}
	n.SetQueue(queue)
	n.SetLocale(finnish)
	a, b, c := newOrg(t, pool, "alpha", "FI"), newOrg(t, pool, "beta", "DE"), newOrg(t, pool, "gamma", "SE")
	for org, setting := range map[int64]string{b.ID: "immediately", c.ID: "daily"} {
		email, s := "office@example.org", setting
		if _, err := issuer.UpdateOrganisation(ctx, pool, org, issuer.OrganisationUpdate{Email: &email, RequestEmail: &s}); err != nil {
			t.Fatal(err)
		}
	}
	for _, to := range []string{"beta", "gamma"} {
		if _, err := n.RequestEndorsement(ctx, a, to, "", "Please"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := pool.Exec(ctx, `UPDATE notification SET created_at = now() - interval '25 hours'`); err != nil {
		t.Fatal(err)
	}
	if err := (&DigestWorker{Network: n}).Work(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := InviteExternal(ctx, pool, queue, finnish, n.urls, a, "eve@example.org", "", ""); err != nil {
		t.Fatal(err)
	}
	if len(queue.sent) != 3 {
		t.Fatalf("queued %+v, want 3 emails", queue.sent)
	}
	for i, want := range []struct{ subject, text string }{
		{"Uusi suosituspyyntö: Org beta", "Vastaa siihen kohdassa Verkosto > Pyynnöt."},
		{"1 uusi suosituspyyntö: Org gamma", "Organisaatiolla Org gamma on 1 uusi suosituspyyntö:\n\n- Org alpha"},
		{"Org alpha pyytää sinua suosittelemaan: Org alpha", "Kirjoita suosituksesi tässä; et tarvitse tiliä:\n{{link}}"},
	} {
		if m := queue.sent[i]; m.Subject != want.subject || !strings.Contains(m.Text, want.text) {
			t.Errorf("email %d: %q\n%s\nwant %q with %q", i, m.Subject, m.Text, want.subject, want.text)
		}
	}
}
