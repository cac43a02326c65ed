package migrations

// ApplyList lets the external tests apply a chosen list of migrations.
var ApplyList = apply
