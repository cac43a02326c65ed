// Package smtptest runs a real SMTP server inside a test, on
// github.com/emersion/go-smtp, so that code which sends mail is tested over
// the wire: messages are received, kept, and parsed for the test to read,
// and the server can be told to refuse the next message with a given reply.
//
//	srv := smtptest.New(t)
//	sender, _ := mail.New(mail.Config{URL: srv.URL(), From: "laurel@laurel.test"})
//	...
//	msgs := srv.Wait(t, 1, 5*time.Second)
package smtptest

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	netmail "net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Message is one message the server accepted.
type Message struct {
	From string   // the envelope sender (MAIL FROM)
	To   []string // the envelope recipients (RCPT TO)
	Data []byte   // the message as received
	User string   // the user name the client authenticated as; "" without AUTH

	// Parsed from Data. Subject is decoded from its MIME encoded-words;
	// Text and HTML are the text/plain and text/html parts (the whole body
	// when it is not multipart), with their transfer encoding undone.
	Header  netmail.Header
	Subject string
	Text    string
	HTML    string
	// ParseErr says why Data could not be parsed, if it could not.
	ParseErr error
}

// Server is a running SMTP server. It accepts any envelope and, with AUTH
// PLAIN over the plain connection, any credentials.
type Server struct {
	addr string
	srv  *smtp.Server
	mu   sync.Mutex
	msgs []Message
	// arrived is closed and replaced whenever a message arrives, to wake
	// Wait.
	arrived    chan struct{}
	rejectRcpt *smtp.SMTPError
	rejectData *smtp.SMTPError
	closed     bool // the test is over: log nothing more
	tb         testing.TB
}

// New starts a server on 127.0.0.1 on a free port; it stops when the test
// ends.
func New(t testing.TB) *Server {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("smtptest: listen: %v", err)
	}
	s := &Server{addr: l.Addr().String(), arrived: make(chan struct{}), tb: t}
	s.srv = smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) {
		return &session{s: s}, nil
	}))
	s.srv.Domain = "smtptest.localhost"
	s.srv.AllowInsecureAuth = true
	s.srv.MaxMessageBytes = 10 << 20
	s.srv.MaxRecipients = 100
	s.srv.ReadTimeout = 30 * time.Second
	s.srv.WriteTimeout = 30 * time.Second
	s.srv.ErrorLog = log.New(logWriter{s}, "smtptest: ", 0)
	served := make(chan error, 1)
	go func() { served <- s.srv.Serve(l) }()
	t.Cleanup(func() {
		// Stop logging first: the server's goroutines may outlive the
		// test, and t.Log after the test ends panics.
		s.mu.Lock()
		s.closed = true
		s.mu.Unlock()
		s.srv.Close()
		// Close misses the listener when Serve has not yet registered it.
		l.Close()
		select {
		case err := <-served:
			if err != nil && !errors.Is(err, net.ErrClosed) {
				t.Errorf("smtptest: serve: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Errorf("smtptest: server did not stop")
		}
	})
	return s
}

// Addr is the server's host:port.
func (s *Server) Addr() string { return s.addr }

// URL is the server's address as an --smtp-url: plain SMTP, no TLS.
func (s *Server) URL() string { return "smtp://" + s.addr + "?tls=none" }

// Messages returns the messages received so far, oldest first.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs...)
}

// Wait waits until at least n messages have arrived and returns them; it
// fails the test if that takes longer than timeout.
func (s *Server) Wait(t testing.TB, n int, timeout time.Duration) []Message {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		msgs, arrived := append([]Message(nil), s.msgs...), s.arrived
		s.mu.Unlock()
		if len(msgs) >= n {
			return msgs
		}
		select {
		case <-arrived:
		case <-deadline.C:
			t.Fatalf("smtptest: %d of %d messages arrived within %v", len(msgs), n, timeout)
			return nil
		}
	}
}

// Reject makes the server answer the next RCPT command with code and msg
// (e.g. 550 "no such user", or 451 "try again later"). It applies once.
func (s *Server) Reject(code int, msg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rejectRcpt = &smtp.SMTPError{Code: code, EnhancedCode: smtp.EnhancedCodeNotSet, Message: msg}
}

// RejectData makes the server refuse the next message after receiving its
// data (the reply to the final "."), with code and msg. It applies once.
func (s *Server) RejectData(code int, msg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rejectData = &smtp.SMTPError{Code: code, EnhancedCode: smtp.EnhancedCodeNotSet, Message: msg}
}

// logWriter sends the SMTP server's error log to the test's log while the
// test runs.
type logWriter struct{ s *Server }

func (w logWriter) Write(p []byte) (int, error) {
	w.s.mu.Lock()
	defer w.s.mu.Unlock()
	if !w.s.closed {
		w.s.tb.Log(strings.TrimSpace(string(p)))
	}
	return len(p), nil
}

// session is one SMTP connection's transaction state.
type session struct {
	s    *Server
	user string
	from string
	to   []string
}

var _ smtp.AuthSession = (*session)(nil)

func (ss *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (ss *session) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, username, password string) error {
		ss.user = username
		return nil
	}), nil
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	ss.from, ss.to = from, nil
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.s.mu.Lock()
	reject := ss.s.rejectRcpt
	ss.s.rejectRcpt = nil
	ss.s.mu.Unlock()
	if reject != nil {
		return reject
	}
	ss.to = append(ss.to, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return fmt.Errorf("read message: %w", err)
	}
	ss.s.mu.Lock()
	defer ss.s.mu.Unlock()
	if reject := ss.s.rejectData; reject != nil {
		ss.s.rejectData = nil
		return reject
	}
	m := Message{From: ss.from, To: ss.to, Data: data, User: ss.user}
	m.ParseErr = m.parse()
	ss.s.msgs = append(ss.s.msgs, m)
	close(ss.s.arrived)
	ss.s.arrived = make(chan struct{})
	return nil
}

func (ss *session) Reset() { ss.from, ss.to = "", nil }

func (ss *session) Logout() error { return nil }

// parse fills the parsed fields from m.Data.
func (m *Message) parse() error {
	msg, err := netmail.ReadMessage(bytes.NewReader(m.Data))
	if err != nil {
		return fmt.Errorf("parse message: %w", err)
	}
	m.Header = msg.Header
	var dec mime.WordDecoder
	if m.Subject, err = dec.DecodeHeader(msg.Header.Get("Subject")); err != nil {
		return fmt.Errorf("decode subject: %w", err)
	}
	return m.readPart(msg.Header, msg.Body, 0)
}

// maxDepth bounds how deeply multiparts may nest.
const maxDepth = 5

// readPart reads one MIME entity with header h: a multipart's parts in
// turn, or a text part into Text or HTML.
func (m *Message) readPart(h map[string][]string, body io.Reader, depth int) error {
	ct := first(h, "Content-Type")
	if ct == "" {
		ct = "text/plain"
	}
	mediaType, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return fmt.Errorf("parse Content-Type %q: %w", ct, err)
	}
	if strings.HasPrefix(mediaType, "multipart/") {
		if depth == maxDepth {
			return fmt.Errorf("multiparts nested deeper than %d", maxDepth)
		}
		mr := multipart.NewReader(body, params["boundary"])
		for {
			// NextRawPart keeps the transfer encoding, which readPart
			// undoes for every part alike.
			p, err := mr.NextRawPart()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return fmt.Errorf("read %s: %w", mediaType, err)
			}
			if err := m.readPart(p.Header, p, depth+1); err != nil {
				return err
			}
		}
	}
	var r io.Reader = body
	switch enc := strings.ToLower(first(h, "Content-Transfer-Encoding")); enc {
	case "quoted-printable":
		r = quotedprintable.NewReader(body)
	case "base64":
		r = base64.NewDecoder(base64.StdEncoding, body) // which skips the line breaks
	case "", "7bit", "8bit", "binary":
	default:
		return fmt.Errorf("unknown Content-Transfer-Encoding %q", enc)
	}
	text, err := io.ReadAll(r)
	if err != nil {
		return fmt.Errorf("decode %s body: %w", mediaType, err)
	}
	switch mediaType {
	case "text/plain":
		m.Text += string(text)
	case "text/html":
		m.HTML += string(text)
	}
	return nil
}

func first(h map[string][]string, key string) string {
	if v := h[key]; len(v) > 0 {
		return v[0]
	}
	return ""
}
