package pgcluster

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// owner is the OS user the server runs as and its files belong to.
type owner struct {
	name     string
	uid, gid int
	// switchUser is set when we are root: PostgreSQL refuses to run as root,
	// so its programs are started with this user's credentials and the files
	// we create are chowned to it.
	switchUser bool
}

// chooseOwner picks the user to run the server as: ourselves, or when we are
// root the owner of an existing data directory, else the postgres system user,
// else nobody.
func chooseOwner(dir, dataDir string) (owner, error) {
	if os.Geteuid() != 0 {
		return owner{name: "self", uid: os.Geteuid(), gid: os.Getegid()}, nil
	}
	// An existing cluster keeps its owner: it may have been created by a
	// `laurel serve` running as an ordinary user, and handing it to postgres
	// would lock that user out of its own database.
	if fi, err := os.Stat(dataDir); err == nil {
		if st, ok := fi.Sys().(*syscall.Stat_t); ok && st.Uid != 0 {
			o := owner{name: strconv.Itoa(int(st.Uid)), uid: int(st.Uid), gid: int(st.Gid), switchUser: true}
			if u, err := user.LookupId(o.name); err == nil {
				o.name = u.Username
				o.gid, _ = strconv.Atoi(u.Gid)
			}
			return o, checkReachable(dir, o)
		}
	}
	for _, name := range []string{"postgres", "nobody"} {
		u, err := user.Lookup(name)
		if err != nil {
			continue
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		o := owner{name: name, uid: uid, gid: gid, switchUser: true}
		return o, checkReachable(dir, o)
	}
	return owner{}, errors.New("PostgreSQL refuses to run as root and there is no postgres (or nobody) user to run it as: create one (`useradd --system postgres`), run laurel as an ordinary user, or set DATABASE_URL to use an existing server")
}

// checkReachable verifies that o can search every ancestor of dir; dir itself
// is chowned to o. Without this, initdb would fail with an obscure
// "permission denied" deep inside the run.
func checkReachable(dir string, o owner) error {
	var blocked []string // top-down, as the fix is typed
	for p := filepath.Dir(dir); ; p = filepath.Dir(p) {
		fi, err := os.Stat(p)
		if err != nil {
			return fmt.Errorf("check access to %s: %w", dir, err)
		}
		if !searchable(fi, o) {
			blocked = append([]string{p}, blocked...)
		}
		if p == filepath.Dir(p) {
			break
		}
	}
	if len(blocked) == 0 {
		return nil
	}
	return fmt.Errorf("PostgreSQL runs as user %s (it refuses to run as root), which cannot reach %s because it cannot search %s: run `chmod o+x %s`, choose another --data directory, or set DATABASE_URL to use an existing server",
		o.name, dir, strings.Join(blocked, ", "), strings.Join(blocked, " "))
}

// searchable applies the permission bits of directory fi to o the way the
// kernel does: owner bits for the owner, else group bits for the group (o has
// no supplementary groups, see sysProcAttr), else the bits for others.
func searchable(fi fs.FileInfo, o owner) bool {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return true
	}
	perm := fi.Mode().Perm()
	switch {
	case int(st.Uid) == o.uid:
		return perm&0o100 != 0
	case int(st.Gid) == o.gid:
		return perm&0o010 != 0
	default:
		return perm&0o001 != 0
	}
}

// sysProcAttr returns the credentials to start PostgreSQL programs with, or
// nil to run them as ourselves.
func (o owner) sysProcAttr() *syscall.SysProcAttr {
	if !o.switchUser {
		return nil
	}
	return &syscall.SysProcAttr{Credential: &syscall.Credential{
		Uid:    uint32(o.uid),
		Gid:    uint32(o.gid),
		Groups: []uint32{}, // drop root's supplementary groups
	}}
}

// chown gives path to o when we are root; otherwise we created it as o already.
func (o owner) chown(path string) error {
	if !o.switchUser {
		return nil
	}
	return os.Lchown(path, o.uid, o.gid)
}

// prepareDirs creates the cluster directory (mode 0700) and its log and
// socket directories, and gives them to the owner.
func (c *Cluster) prepareDirs() error {
	if err := os.Mkdir(c.dir, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("create cluster directory: %w", err)
	}
	if err := c.owner.chown(c.dir); err != nil {
		return fmt.Errorf("prepare cluster directory: %w", err)
	}
	if err := privateDir(filepath.Dir(c.logFile), c.owner); err != nil {
		return fmt.Errorf("prepare log directory: %w", err)
	}
	if err := privateDir(c.sockDir, c.owner); err != nil {
		return fmt.Errorf("prepare socket directory: %w", err)
	}
	return nil
}

// privateDir makes path a directory owned by o with mode 0700. The socket
// directory may live in a shared temporary directory, so a directory that
// somebody else created there in advance is refused rather than adopted.
func privateDir(path string, o owner) error {
	if err := os.Mkdir(path, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	fi, err := os.Lstat(path)
	if err != nil {
		return err
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !fi.IsDir() || !ok {
		return fmt.Errorf("%s is not a directory", path)
	}
	if int(st.Uid) != o.uid && int(st.Uid) != os.Geteuid() {
		return fmt.Errorf("%s belongs to another user (uid %d); remove it", path, st.Uid)
	}
	if err := o.chown(path); err != nil {
		return err
	}
	return os.Chmod(path, 0o700)
}

// lockFile opens (creating) path and takes a flock on it (syscall.LOCK_EX or
// LOCK_SH). flock cannot be interrupted by a context, so it polls. The lock is
// released when the file is closed, or by the kernel when the process dies.
func lockFile(ctx context.Context, path string, how int, o owner) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	if err := o.chown(path); err != nil {
		f.Close()
		return nil, err
	}
	for {
		err := syscall.Flock(int(f.Fd()), how|syscall.LOCK_NB)
		if err == nil {
			return f, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			f.Close()
			return nil, fmt.Errorf("flock %s: %w", path, err)
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, fmt.Errorf("wait for lock %s: %w", path, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}
