package verifier

import (
	"bytes"
	"embed"

	"github.com/piprate/json-gold/ld"

	"github.com/laurelnet/laurel/dataintegrity"
)

// The JSON-LD contexts that third parties' Open Badges 3.0 credentials name
// and Laurel's own do not (vocab.DocumentLoader has those), embedded so
// that checking a credential needs no network for them (see
// contexts/README.md for where each comes from).
//
//go:embed contexts/*.json contexts/*.jsonld
var contextFiles embed.FS

// credentialContexts maps each context URL to its file in contextFiles.
// Read-only.
var credentialContexts = map[string]string{
	// The 1EdTech types of status, schema and refresh
	// (1EdTechRevocationList among them), named beside the 3.0 context.
	"https://purl.imsglobal.org/spec/ob/v3p0/extensions.json": "contexts/ob-v3p0-extensions.json",
	// Open Badges 3.0 contexts before 3.0.3, which credentials of the VC
	// Data Model 1.1 name.
	"https://purl.imsglobal.org/spec/ob/v3p0/context.json":       "contexts/ob-v3p0-context.json",
	"https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json": "contexts/ob-v3p0-context-3.0.1.json",
	"https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json": "contexts/ob-v3p0-context-3.0.2.json",
	// The VC Data Model 1.1 context, and the Bitstring Status List's.
	"https://www.w3.org/2018/credentials/v1":      "contexts/credentials-v1.jsonld",
	"https://www.w3.org/ns/credentials/status/v1": "contexts/credentials-status-v1.jsonld",
}

// credentialLoader answers the contexts of credentialContexts and those of
// the proof suites (dataintegrity.WithSuiteContexts) from embedded copies,
// and passes any other URL on to next.
type credentialLoader struct{ next ld.DocumentLoader }

// LoadDocument implements ld.DocumentLoader.
func (l credentialLoader) LoadDocument(u string) (*ld.RemoteDocument, error) {
	name, ok := credentialContexts[u]
	if !ok {
		return l.next.LoadDocument(u)
	}
	b, err := contextFiles.ReadFile(name)
	if err != nil {
		return nil, ld.NewJsonLdError(ld.LoadingDocumentFailed, err)
	}
	doc, err := ld.DocumentFromReader(bytes.NewReader(b))
	if err != nil {
		return nil, ld.NewJsonLdError(ld.LoadingDocumentFailed, err)
	}
	return &ld.RemoteDocument{DocumentURL: u, Document: doc}, nil
}

// credLoader is the loader for Open Badges 3.0 documents.
func (r *run) credLoader() ld.DocumentLoader {
	return dataintegrity.WithSuiteContexts(credentialLoader{next: r.loader})
}
