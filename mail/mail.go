// Package mail sends Laurel's outgoing email through an SMTP relay named by
// the operator's --smtp-url, on github.com/wneessen/go-mail. Mail is sent
// from River jobs (SendArgs, SendWorker), so a change and the email that
// announces it are queued in one transaction and a relay that is down
// delays mail rather than losing it.
package mail

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	netmail "net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// Errors a caller may test for with errors.Is.
var (
	// ErrPermanent: the message can never be sent as it is, because the
	// relay refused it with a permanent (5xx) reply or because it is
	// invalid (a malformed address, a line break in the subject). Trying
	// again cannot help. Every other failure (the network, a 4xx reply,
	// the relay refusing our connection or credentials) is temporary.
	ErrPermanent = errors.New("permanent mail failure")
	// ErrDisabled: the node has no --smtp-url, so it sends no mail.
	ErrDisabled = errors.New("mail is not configured (no --smtp-url)")
)

// Config says how a node sends mail.
type Config struct {
	// URL names the relay, as ParseURL reads it; empty disables mail.
	URL string
	// From is the sender address of every message, e.g.
	// "Laurel <laurel@badges.example.org>".
	From string
}

// TLS is how the connection to the relay is secured.
type TLS string

// The TLS modes of an SMTP URL.
const (
	// TLSOpportunistic upgrades with STARTTLS when the relay offers it
	// (smtp:// without tls=).
	TLSOpportunistic TLS = "opportunistic"
	// TLSRequired insists on STARTTLS (smtp://...?tls=required).
	TLSRequired TLS = "required"
	// TLSNone never encrypts, for relays on the same host and for tests
	// (smtp://...?tls=none).
	TLSNone TLS = "none"
	// TLSImplicit speaks TLS from the first byte (smtps://).
	TLSImplicit TLS = "implicit"
)

// Default ports: submission with STARTTLS, and submission over TLS.
const (
	DefaultPort    = 587
	DefaultTLSPort = 465
)

// Relay is the SMTP server mail is handed to, as an SMTP URL names it.
type Relay struct {
	Host     string
	Port     int
	TLS      TLS
	Username string // empty: no authentication
	Password string
}

// ParseURL reads an SMTP URL:
//
//	smtp://user:pass@host:port             STARTTLS when offered (port 587 by default)
//	smtp://user:pass@host:port?tls=required STARTTLS or fail
//	smtp://host:port?tls=none              plain, for local relays and tests
//	smtps://user:pass@host:465             implicit TLS (port 465 by default)
//
// Credentials (URL-encoded) are optional; they are sent with AUTH PLAIN or
// LOGIN, only over TLS or to a loopback relay. An error says what is wrong
// with the URL without repeating it, since it holds the password.
func ParseURL(raw string) (Relay, error) {
	u, err := url.Parse(raw)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // url.Error quotes the URL, password and all
		}
		return Relay{}, fmt.Errorf("bad SMTP URL: %w", err)
	}
	var r Relay
	switch u.Scheme {
	case "smtp":
		r.Port, r.TLS = DefaultPort, TLSOpportunistic
	case "smtps":
		r.Port, r.TLS = DefaultTLSPort, TLSImplicit
	default:
		return Relay{}, fmt.Errorf("bad SMTP URL: scheme %q is neither smtp nor smtps", u.Scheme)
	}
	switch {
	case u.Opaque != "" || u.Host == "":
		return Relay{}, errors.New("bad SMTP URL: no host (write smtp://host:port)")
	case u.Path != "" && u.Path != "/":
		return Relay{}, fmt.Errorf("bad SMTP URL: unexpected path %q", u.Path)
	case u.Fragment != "":
		return Relay{}, errors.New("bad SMTP URL: unexpected #fragment")
	}
	r.Host = u.Hostname()
	if strings.Contains(r.Host, ":") {
		// go-mail joins host and port without brackets.
		return Relay{}, fmt.Errorf("bad SMTP URL: IPv6 address %s not supported, use a host name", r.Host)
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return Relay{}, fmt.Errorf("bad SMTP URL: port %q is not a number from 1 to 65535", p)
		}
		r.Port = n
	}

	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return Relay{}, fmt.Errorf("bad SMTP URL: query: %w", err)
	}
	for k, v := range q {
		if k != "tls" {
			return Relay{}, fmt.Errorf("bad SMTP URL: unknown parameter %q (only tls is known)", k)
		}
		if len(v) != 1 {
			return Relay{}, errors.New("bad SMTP URL: tls given more than once")
		}
		if u.Scheme == "smtps" {
			return Relay{}, errors.New("bad SMTP URL: smtps is always TLS; tls= is for smtp URLs")
		}
		switch mode := TLS(v[0]); mode {
		case TLSNone, TLSRequired, TLSOpportunistic:
			r.TLS = mode
		default:
			return Relay{}, fmt.Errorf("bad SMTP URL: tls=%q: must be none, required or opportunistic", v[0])
		}
	}

	if u.User != nil {
		r.Username = u.User.Username()
		r.Password, _ = u.User.Password()
		if r.Username == "" || r.Password == "" {
			return Relay{}, errors.New("bad SMTP URL: credentials need both a user name and a password")
		}
		if r.TLS == TLSNone && !isLoopback(r.Host) {
			return Relay{}, fmt.Errorf("bad SMTP URL: with tls=none the password would cross the network to %s in clear; use STARTTLS or smtps", r.Host)
		}
	}
	return r, nil
}

// isLoopback reports whether host is this machine.
func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Message is one email to one recipient.
type Message struct {
	To      string `json:"to"` // an address, e.g. "Ada <ada@example.org>"
	Subject string `json:"subject"`
	Text    string `json:"text"`           // the plain-text body, always sent
	HTML    string `json:"html,omitempty"` // an HTML alternative, optional
}

// Sender sends mail through one relay. It keeps no connection open: each
// Send dials, so a Sender is safe for concurrent use and needs no closing.
type Sender struct {
	relay Relay
	from  *netmail.Address
	helo  string
}

// sendTimeout bounds each step (dial, each command) of a Send, and the
// whole of it when ctx allows less.
const sendTimeout = 30 * time.Second

// New returns a Sender for cfg, or nil and no error when cfg.URL is empty
// (mail disabled). It checks the URL and the sender address, so that
// mistakes show at start-up rather than at the first email.
func New(cfg Config) (*Sender, error) {
	if cfg.URL == "" {
		return nil, nil
	}
	relay, err := ParseURL(cfg.URL)
	if err != nil {
		return nil, err
	}
	from, err := netmail.ParseAddress(cfg.From)
	if err != nil {
		return nil, fmt.Errorf("bad sender address %q: %w", cfg.From, err)
	}
	s := &Sender{relay: relay, from: from, helo: heloName(from.Address)}
	if _, err := s.client(sendTimeout); err != nil {
		return nil, fmt.Errorf("configure SMTP client: %w", err)
	}
	return s, nil
}

// heloName is the name we greet the relay with: the sender's domain, which
// is a name the node answers for, unlike the machine's host name (often
// a container's id) that go-mail would use.
func heloName(addr string) string {
	domain := addr[strings.LastIndexByte(addr, '@')+1:]
	if ip := net.ParseIP(domain); ip != nil {
		return "[" + ip.String() + "]" // an address literal
	}
	return domain
}

// client returns a go-mail client for one Send.
func (s *Sender) client(timeout time.Duration) (*gomail.Client, error) {
	r := s.relay
	opts := []gomail.Option{gomail.WithPort(r.Port), gomail.WithTimeout(timeout), gomail.WithHELO(s.helo)}
	switch r.TLS {
	case TLSImplicit:
		opts = append(opts, gomail.WithSSL())
	case TLSRequired:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	case TLSNone:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	}
	if r.Username != "" {
		opts = append(opts, gomail.WithUsername(r.Username), gomail.WithPassword(r.Password))
		if r.TLS == TLSNone {
			// ParseURL allows this only to a loopback relay.
			opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthPlainNoEnc))
		} else {
			// PLAIN and LOGIN refuse to send the password over a
			// connection that opportunistic TLS left unencrypted,
			// unless the relay is on this machine.
			opts = append(opts, gomail.WithOpportunisticSMTPAuth(gomail.SMTPAuthPlain, gomail.SMTPAuthLogin))
		}
	}
	return gomail.NewClient(r.Host, opts...)
}

// Send sends m. An error wraps ErrPermanent when the message cannot be
// sent as it is, and is temporary otherwise (see ErrPermanent). A nil
// Sender (mail disabled) fails with ErrDisabled.
func (s *Sender) Send(ctx context.Context, m Message) error {
	if s == nil {
		return fmt.Errorf("send mail: %w", ErrDisabled)
	}
	msg, err := s.message(m)
	if err != nil {
		return fmt.Errorf("send mail: %w: %w", ErrPermanent, err)
	}
	timeout := sendTimeout
	if deadline, ok := ctx.Deadline(); ok {
		timeout = min(timeout, time.Until(deadline))
	}
	if timeout <= 0 || ctx.Err() != nil {
		return fmt.Errorf("send mail to %s: %w", m.To, context.Cause(ctx))
	}
	client, err := s.client(timeout)
	if err != nil {
		return fmt.Errorf("send mail to %s: configure SMTP client: %w", m.To, err)
	}
	err = client.DialAndSendWithContext(ctx, msg)
	switch {
	case err == nil:
		return nil
	case msg.IsDelivered():
		// The relay took the message; what failed came after (RSET or
		// QUIT). Reporting it would send the message again.
		return nil
	case isPermanent(err):
		return fmt.Errorf("send mail to %s: %w: %w", m.To, ErrPermanent, err)
	}
	return fmt.Errorf("send mail to %s: %w", m.To, err)
}

// isPermanent reports whether err is a 5xx reply to the mail transaction
// (MAIL, RCPT, DATA). A 5xx while connecting or authenticating is not:
// it is the relay refusing this node (its address, its credentials), which
// the operator can fix while the message waits.
func isPermanent(err error) bool {
	var se *gomail.SendError
	if !errors.As(err, &se) {
		return false
	}
	code := se.ErrorCode()
	return code >= 500 && code <= 599
}

// message builds the go-mail message for m, validating it.
func (s *Sender) message(m Message) (*gomail.Msg, error) {
	to, err := netmail.ParseAddress(m.To)
	if err != nil {
		return nil, fmt.Errorf("bad recipient address %q: %w", m.To, err)
	}
	if strings.ContainsAny(m.Subject, "\r\n") {
		return nil, errors.New("subject has a line break")
	}
	if strings.TrimSpace(m.Text) == "" {
		return nil, errors.New("no text body")
	}
	msg := gomail.NewMsg()
	msg.FromMailAddress(s.from)
	msg.ToMailAddress(to)
	msg.Subject(m.Subject)
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	if m.HTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	}
	// Like HELO, the Message-ID names the sender's domain rather than the
	// machine's host name.
	var id [16]byte
	_, _ = rand.Read(id[:]) // crypto/rand.Read does not fail
	msg.SetMessageIDWithValue(hex.EncodeToString(id[:]) + "@" + s.helo)
	return msg, nil
}

// Paragraphs is the plain text of an email from its paragraphs: joined
// by blank lines, empty ones left out, ending with a line break.
func Paragraphs(ps ...string) string {
	var b strings.Builder
	for _, p := range ps {
		if p == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteString("\n\n")
		}
		b.WriteString(p)
	}
	b.WriteString("\n")
	return b.String()
}
