package mail

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/laurelnet/laurel/testkit/smtptest"
)

func TestParseURL(t *testing.T) {
	for _, tc := range []struct {
		raw     string
		want    Relay
		wantErr string // a part of the error; "" for success
	}{
		{raw: "smtp://mail.example.org", want: Relay{Host: "mail.example.org", Port: 587, TLS: TLSOpportunistic}},
		{raw: "smtp://laurel:s%40cret@mail.example.org:2525/",
			want: Relay{Host: "mail.example.org", Port: 2525, TLS: TLSOpportunistic, Username: "laurel", Password: "s@cret"}},
		{raw: "smtp://u:p@mail.example.org?tls=required", want: Relay{Host: "mail.example.org", Port: 587, TLS: TLSRequired, Username: "u", Password: "p"}},
		{raw: "smtp://mail.example.org?tls=opportunistic", want: Relay{Host: "mail.example.org", Port: 587, TLS: TLSOpportunistic}},
		{raw: "smtp://127.0.0.1:1025?tls=none", want: Relay{Host: "127.0.0.1", Port: 1025, TLS: TLSNone}},
		{raw: "smtp://u:p@localhost:25?tls=none", want: Relay{Host: "localhost", Port: 25, TLS: TLSNone, Username: "u", Password: "p"}},
		{raw: "smtps://u:p@mail.example.org", want: Relay{Host: "mail.example.org", Port: 465, TLS: TLSImplicit, Username: "u", Password: "p"}},
		{raw: "smtps://mail.example.org:4650", want: Relay{Host: "mail.example.org", Port: 4650, TLS: TLSImplicit}},

		{raw: "http://mail.example.org", wantErr: `scheme "http"`},
		{raw: "mail.example.org:587", wantErr: "scheme"},
		{raw: "smtp:mail.example.org", wantErr: "no host"},
		{raw: "smtp://", wantErr: "no host"},
		{raw: "smtp://mail.example.org:0", wantErr: `port "0"`},
		{raw: "smtp://mail.example.org:99999", wantErr: `port "99999"`},
		{raw: "smtp://mail.example.org/inbox", wantErr: `path "/inbox"`},
		{raw: "smtp://mail.example.org#x", wantErr: "fragment"},
		{raw: "smtp://mail.example.org?tls=always", wantErr: `tls="always"`},
		{raw: "smtp://mail.example.org?tls=none&tls=required", wantErr: "more than once"},
		{raw: "smtp://mail.example.org?starttls=1", wantErr: `unknown parameter "starttls"`},
		{raw: "smtps://mail.example.org?tls=none", wantErr: "smtps is always TLS"},
		{raw: "smtp://u@mail.example.org", wantErr: "password"},
		{raw: "smtp://u:p@mail.example.org?tls=none", wantErr: "in clear"},
		{raw: "smtp://[::1]:25", wantErr: "IPv6"},
		{raw: "smtp://u:se cret@host\x7f", wantErr: "bad SMTP URL"},
	} {
		t.Run(tc.raw, func(t *testing.T) {
			got, err := ParseURL(tc.raw)
			if tc.wantErr == "" {
				if err != nil || got != tc.want {
					t.Fatalf("ParseURL = %+v, %v; want %+v", got, err, tc.want)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("ParseURL = %+v, %v; want an error about %s", got, err, tc.wantErr)
			}
			if strings.Contains(err.Error(), "cret") {
				t.Errorf("error %q shows the password", err)
			}
		})
	}
}

func TestNew(t *testing.T) {
	s, err := New(Config{})
	if s != nil || err != nil {
		t.Fatalf("New without URL = %v, %v; want mail disabled", s, err)
	}
	for _, tc := range []struct {
		name string
		cfg  Config
		want string
	}{
		{"bad URL", Config{URL: "smtp//x", From: "laurel@laurel.test"}, "bad SMTP URL"},
		{"no sender", Config{URL: "smtp://127.0.0.1:25?tls=none"}, "sender address"},
		{"bad sender", Config{URL: "smtp://127.0.0.1:25?tls=none", From: "laurel at laurel.test"}, "sender address"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if s, err := New(tc.cfg); s != nil || err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("New = %v, %v; want an error about %s", s, err, tc.want)
			}
		})
	}
}

func newSender(t *testing.T, url string) *Sender {
	t.Helper()
	s, err := New(Config{URL: url, From: "Laurel <laurel@laurel.test>"})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// withCredentials puts user:pass into an smtptest URL.
func withCredentials(url string) string {
	return strings.Replace(url, "smtp://", "smtp://laurel:s%40cret@", 1)
}

func TestSend(t *testing.T) {
	for _, tc := range []struct {
		name string
		url  func(srv *smtptest.Server) string
		msg  Message
		user string // who the client authenticates as
	}{
		{
			name: "plain text",
			url:  (*smtptest.Server).URL,
			msg:  Message{To: "ada@example.org", Subject: "Badge issued", Text: "You earned Robotics.\nSee https://laurel.test/b/1"},
		},
		{
			name: "text and HTML, non-ASCII",
			url:  (*smtptest.Server).URL,
			msg: Message{To: "Åsa Öberg <asa@example.org>", Subject: "Merkki myönnetty ✓",
				Text: "Hei Åsa, ansaitsit merkin “Robotiikka”.", HTML: "<p>Hei Åsa, ansaitsit merkin <b>Robotiikka</b>.</p>"},
		},
		{
			name: "credentials, plain to a local relay",
			url:  func(srv *smtptest.Server) string { return withCredentials(srv.URL()) },
			msg:  Message{To: "ada@example.org", Subject: "Hello", Text: "with AUTH PLAIN"},
			user: "laurel",
		},
		{
			name: "credentials, opportunistic TLS that the relay does not offer",
			url: func(srv *smtptest.Server) string {
				return withCredentials(strings.TrimSuffix(srv.URL(), "?tls=none"))
			},
			msg:  Message{To: "ada@example.org", Subject: "Hello", Text: "no STARTTLS on loopback"},
			user: "laurel",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := smtptest.New(t)
			s := newSender(t, tc.url(srv))
			if err := s.Send(context.Background(), tc.msg); err != nil {
				t.Fatal(err)
			}
			got := srv.Wait(t, 1, 5*time.Second)[0]
			if got.ParseErr != nil {
				t.Fatal(got.ParseErr)
			}
			addr := tc.msg.To[strings.LastIndexByte(tc.msg.To, '<')+1:]
			addr = strings.TrimSuffix(addr, ">")
			if got.From != "laurel@laurel.test" || len(got.To) != 1 || got.To[0] != addr || got.User != tc.user {
				t.Errorf("envelope from %q to %q as %q", got.From, got.To, got.User)
			}
			if h := got.Header.Get("From"); !strings.Contains(h, "<laurel@laurel.test>") {
				t.Errorf("From: %q", h)
			}
			if h := got.Header.Get("To"); !strings.Contains(h, addr) {
				t.Errorf("To: %q", h)
			}
			if got.Subject != tc.msg.Subject {
				t.Errorf("Subject %q, want %q", got.Subject, tc.msg.Subject)
			}
			if h := got.Header.Get("Message-Id"); !strings.HasSuffix(h, "@laurel.test>") {
				t.Errorf("Message-ID %q does not name the sender's domain", h)
			}
			if got.Header.Get("Date") == "" {
				t.Error("no Date header")
			}
			if strings.TrimSpace(strings.ReplaceAll(got.Text, "\r\n", "\n")) != tc.msg.Text {
				t.Errorf("text body %q, want %q", got.Text, tc.msg.Text)
			}
			ct := got.Header.Get("Content-Type")
			if tc.msg.HTML == "" {
				if !strings.HasPrefix(ct, "text/plain") || got.HTML != "" {
					t.Errorf("Content-Type %q, HTML %q; want text only", ct, got.HTML)
				}
			} else if !strings.HasPrefix(ct, "multipart/alternative") || strings.TrimSpace(got.HTML) != tc.msg.HTML {
				t.Errorf("Content-Type %q, HTML %q; want the alternative %q", ct, got.HTML, tc.msg.HTML)
			}
		})
	}
}

func TestSendFailures(t *testing.T) {
	// A port where nothing listens: take one and give it back.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedURL := "smtp://" + l.Addr().String() + "?tls=none"
	l.Close()

	valid := Message{To: "ada@example.org", Subject: "Hello", Text: "Hello"}
	for _, tc := range []struct {
		name      string
		setup     func(srv *smtptest.Server) string // returns the URL to send to
		msg       Message
		permanent bool
		want      string // a part of the error
	}{
		{
			name:  "recipient refused for good",
			setup: func(srv *smtptest.Server) string { srv.Reject(550, "no such user"); return srv.URL() },
			msg:   valid, permanent: true, want: "no such user",
		},
		{
			name:  "recipient refused for now",
			setup: func(srv *smtptest.Server) string { srv.Reject(451, "greylisted"); return srv.URL() },
			msg:   valid, want: "greylisted",
		},
		{
			name:  "message refused for good",
			setup: func(srv *smtptest.Server) string { srv.RejectData(554, "spam"); return srv.URL() },
			msg:   valid, permanent: true, want: "spam",
		},
		{
			name:  "message refused for now",
			setup: func(srv *smtptest.Server) string { srv.RejectData(452, "mailbox full"); return srv.URL() },
			msg:   valid, want: "mailbox full",
		},
		{
			name:  "relay down",
			setup: func(*smtptest.Server) string { return closedURL },
			msg:   valid, want: "connection refused",
		},
		{
			name: "STARTTLS required but not offered",
			setup: func(srv *smtptest.Server) string {
				return strings.Replace(srv.URL(), "tls=none", "tls=required", 1)
			},
			msg: valid, want: "STARTTLS",
		},
		{
			name:  "bad recipient address",
			setup: (*smtptest.Server).URL,
			msg:   Message{To: "ada at example.org", Subject: "Hello", Text: "Hello"}, permanent: true, want: "recipient",
		},
		{
			name:  "line break in the subject",
			setup: (*smtptest.Server).URL,
			msg:   Message{To: "ada@example.org", Subject: "Hello\r\nBcc: eve@example.org", Text: "Hello"}, permanent: true, want: "subject",
		},
		{
			name:  "no text",
			setup: (*smtptest.Server).URL,
			msg:   Message{To: "ada@example.org", Subject: "Hello", HTML: "<p>Hello</p>"}, permanent: true, want: "text",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := smtptest.New(t)
			s := newSender(t, tc.setup(srv))
			err := s.Send(context.Background(), tc.msg)
			if err == nil {
				t.Fatal("Send succeeded")
			}
			if errors.Is(err, ErrPermanent) != tc.permanent {
				t.Errorf("Send error %q: permanent %t, want %t", err, !tc.permanent, tc.permanent)
			}
			if !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "send mail") {
				t.Errorf("Send error %q does not say %q", err, tc.want)
			}
			if n := len(srv.Messages()); n != 0 {
				t.Errorf("server got %d messages", n)
			}
		})
	}

	// After a refusal the next message goes through: Reject applies once.
	srv := smtptest.New(t)
	s := newSender(t, srv.URL())
	srv.Reject(451, "later")
	if err := s.Send(context.Background(), valid); err == nil {
		t.Fatal("refused message sent")
	}
	if err := s.Send(context.Background(), valid); err != nil {
		t.Fatal(err)
	}
	srv.Wait(t, 1, 5*time.Second)
}

func TestSendHonoursContext(t *testing.T) {
	srv := smtptest.New(t)
	s := newSender(t, srv.URL())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := s.Send(ctx, Message{To: "ada@example.org", Subject: "Hello", Text: "Hello"})
	if !errors.Is(err, context.Canceled) || errors.Is(err, ErrPermanent) {
		t.Fatalf("Send with a cancelled context = %v; want a temporary context.Canceled", err)
	}
}
