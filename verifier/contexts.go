package verifier

import (
	"bytes"
	_ "embed"

	"github.com/piprate/json-gold/ld"

	"github.com/laurelnet/laurel/dataintegrity"
)

// extensionsContextURL is the Open Badges 3.0 context of the 1EdTech
// status, schema and refresh types (1EdTechRevocationList among them),
// which credentials that use them name beside the 3.0 context.
const extensionsContextURL = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"

// extensionsContext is the document at extensionsContextURL, embedded so
// that checking a credential needs no network for it: it maps the three
// type names to their IRIs (as the credentials 1EdTech's examples and
// issuers publish expand them). Read-only.
//
//go:embed contexts/ob-v3p0-extensions.json
var extensionsContext []byte

// credentialLoader answers the extensions context and the contexts of the
// proof suites (dataintegrity.WithSuiteContexts) from embedded copies, and
// passes any other URL on to next.
type credentialLoader struct{ next ld.DocumentLoader }

// LoadDocument implements ld.DocumentLoader.
func (l credentialLoader) LoadDocument(u string) (*ld.RemoteDocument, error) {
	if u != extensionsContextURL {
		return l.next.LoadDocument(u)
	}
	doc, err := ld.DocumentFromReader(bytes.NewReader(extensionsContext))
	if err != nil {
		return nil, ld.NewJsonLdError(ld.LoadingDocumentFailed, err)
	}
	return &ld.RemoteDocument{DocumentURL: u, Document: doc}, nil
}

// credLoader is the loader for Open Badges 3.0 documents.
func (r *run) credLoader() ld.DocumentLoader {
	return dataintegrity.WithSuiteContexts(credentialLoader{next: r.loader})
}
