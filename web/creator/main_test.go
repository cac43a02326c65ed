package creator_test

import (
	"testing"

	"github.com/laurelnet/laurel/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }
