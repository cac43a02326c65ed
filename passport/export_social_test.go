package passport

import "github.com/laurelnet/laurel/federation"

// The social inbox handlers, for tests.
func (p *Passport) ReceiveEndorsement(update bool) federation.Handler {
	return p.receiveEndorsement(update)
}

func (p *Passport) ReceiveEndorsementAnswer(state string) federation.Handler {
	return p.receiveEndorsementAnswer(state)
}

func (p *Passport) ReceiveDelete() federation.Handler { return p.receiveDelete }

func (p *Passport) ReceiveLike() federation.Handler { return p.receiveLike }

func (p *Passport) ReceiveComment() federation.Handler { return p.receiveComment }

func (p *Passport) ReceiveRequest() federation.Handler     { return p.receiveRequest }
func (p *Passport) ReceiveUndoLike() federation.Handler    { return p.receiveUndoLike }
func (p *Passport) ReceiveCommentEdit() federation.Handler { return p.receiveCommentEdit }
