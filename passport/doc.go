// Package passport will hold the earner's side: the backpack of received
// badges, individual endorsements, congratulations, comments, follows and
// public badge pages. (Built by the passport issue; empty until then.)
package passport
