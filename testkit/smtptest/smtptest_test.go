package smtptest

import (
	"errors"
	"net/smtp"
	"net/textproto"
	"strings"
	"testing"
	"time"
)

// send sends raw with the standard library's client, which knows nothing
// of this package.
func send(srv *Server, auth smtp.Auth, data string) error {
	return smtp.SendMail(srv.Addr(), auth, "laurel@laurel.test", []string{"ada@example.org", "bob@example.org"},
		[]byte(strings.ReplaceAll(data, "\n", "\r\n")))
}

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		name                string
		data                string
		subject, text, html string
	}{
		{
			name:    "plain 7bit",
			data:    "From: laurel@laurel.test\nTo: ada@example.org\nSubject: Hello\n\nHello, Ada.\n",
			subject: "Hello", text: "Hello, Ada.\r\n",
		},
		{
			name: "quoted-printable with an encoded subject",
			data: "Subject: =?UTF-8?q?Merkki_my=C3=B6nnetty?=\nContent-Type: text/plain; charset=UTF-8\n" +
				"Content-Transfer-Encoding: quoted-printable\n\nHei =C3=85sa, t=C3=A4m=C3=A4 on pitk=C3=A4 rivi joka jatkuu=\n seuraavalla.\n",
			subject: "Merkki myönnetty", text: "Hei Åsa, tämä on pitkä rivi joka jatkuu seuraavalla.\r\n",
		},
		{
			name: "multipart/alternative in base64 and quoted-printable",
			data: "Subject: Both\nMIME-Version: 1.0\nContent-Type: multipart/alternative; boundary=b1\n\n" +
				"--b1\nContent-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: base64\n\nSGVqLCDD\nhXNhLg==\n" +
				"--b1\nContent-Type: text/html; charset=UTF-8\nContent-Transfer-Encoding: quoted-printable\n\n<p>Hej, =C3=85sa.</p>\n" +
				"--b1--\n",
			subject: "Both", text: "Hej, Åsa.", html: "<p>Hej, Åsa.</p>",
		},
		{
			name: "alternative inside mixed",
			data: "Subject: Nested\nContent-Type: multipart/mixed; boundary=outer\n\n" +
				"--outer\nContent-Type: multipart/alternative; boundary=inner\n\n" +
				"--inner\nContent-Type: text/plain\n\ntext\n--inner\nContent-Type: text/html\n\n<b>html</b>\n--inner--\n" +
				"--outer\nContent-Type: application/pdf\nContent-Transfer-Encoding: base64\n\nJVBERi0=\n--outer--\n",
			subject: "Nested", text: "text", html: "<b>html</b>",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := New(t)
			if err := send(srv, smtp.PlainAuth("", "any", "thing", "127.0.0.1"), tc.data); err != nil {
				t.Fatal(err)
			}
			m := srv.Wait(t, 1, 5*time.Second)[0]
			if m.ParseErr != nil {
				t.Fatal(m.ParseErr)
			}
			if m.From != "laurel@laurel.test" || strings.Join(m.To, ",") != "ada@example.org,bob@example.org" || m.User != "any" {
				t.Errorf("envelope from %q to %q as %q", m.From, m.To, m.User)
			}
			if !strings.HasPrefix(string(m.Data), "Subject: ") && !strings.Contains(string(m.Data), "\r\nSubject: ") {
				t.Errorf("raw data lost its header: %q", m.Data)
			}
			if m.Subject != tc.subject || m.Text != tc.text || m.HTML != tc.html {
				t.Errorf("parsed subject %q, text %q, html %q; want %q, %q, %q", m.Subject, m.Text, m.HTML, tc.subject, tc.text, tc.html)
			}
		})
	}
}

func TestReject(t *testing.T) {
	srv := New(t)
	for _, tc := range []struct {
		name   string
		reject func()
		code   int
	}{
		{"RCPT", func() { srv.Reject(550, "no such user") }, 550},
		{"DATA", func() { srv.RejectData(451, "try later") }, 451},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.reject()
			err := send(srv, nil, "Subject: refused\n\nx\n")
			var te *textproto.Error
			if !errors.As(err, &te) || te.Code != tc.code {
				t.Fatalf("send = %v, want a %d reply", err, tc.code)
			}
		})
	}
	// A rejection applies once.
	if err := send(srv, nil, "Subject: accepted\n\nx\n"); err != nil {
		t.Fatal(err)
	}
	if msgs := srv.Wait(t, 1, 5*time.Second); len(msgs) != 1 || msgs[0].Subject != "accepted" {
		t.Fatalf("messages %+v, want only the accepted one", msgs)
	}
}

func TestURL(t *testing.T) {
	srv := New(t)
	if want := "smtp://" + srv.Addr() + "?tls=none"; srv.URL() != want || !strings.HasPrefix(srv.Addr(), "127.0.0.1:") {
		t.Fatalf("URL %q, Addr %q", srv.URL(), srv.Addr())
	}
}
