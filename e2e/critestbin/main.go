// Command critestbin is the one static binary that stands in, inside the
// locally built critest images (see e2e/critest_images_test.go), for the
// programs of the upstream test images that busybox cannot play. It picks its
// role from the name it is run as (argv[0]):
//
//	nginx  web server of e2e-test-images/nginx and hostnet-nginx: serves
//	       /usr/share/nginx/html on $NGINX_PORT (default 80), writes its pid to
//	       /var/run/nginx.pid and shows "nginx: master process ..." in
//	       /proc/PID/cmdline, as nginx does
//	nnp    e2e-test-images/nonewprivs: prints "Effective uid: N" (installed
//	       setuid root, so N shows whether no_new_privs was set)
//	pgrep  busybox's pgrep (absent from Debian's static busybox)
//	ipcs   `ipcs -m` from /proc/sysvipc/shm (absent from Debian's busybox)
//
// It uses only the standard library and is built with CGO_ENABLED=0.
package main

import (
	"bufio"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"syscall"
)

// masterTitle is what nginx's master process shows as its command line.
const masterTitle = "nginx: master process nginx -g daemon off;"

func main() {
	name := filepath.Base(os.Args[0])
	if strings.HasPrefix(os.Args[0], "nginx:") {
		name = "nginx"
	}
	var err error
	switch name {
	case "nginx":
		err = nginx()
	case "nnp":
		fmt.Printf("Effective uid: %d\n", os.Geteuid())
	case "pgrep":
		err = pgrep(os.Args[1:])
	case "ipcs":
		err = ipcs()
	default:
		err = fmt.Errorf("unknown role %q (run as nginx, nnp, pgrep or ipcs)", name)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
		os.Exit(1)
	}
}

// nginx re-executes itself under nginx's master-process title (same pid, so
// the pid file and /proc/1/cmdline both match), then serves files until
// SIGTERM, SIGINT or SIGQUIT.
func nginx() error {
	if os.Args[0] != masterTitle {
		exe, err := os.Executable() // the real path keeps comm "nginx" for pidof
		if err != nil {
			return err
		}
		return syscall.Exec(exe, []string{masterTitle}, os.Environ())
	}
	port := os.Getenv("NGINX_PORT")
	if port == "" {
		port = "80"
	}
	if err := os.MkdirAll("/var/run", 0o755); err != nil {
		return err
	}
	if err := os.WriteFile("/var/run/nginx.pid", []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644); err != nil {
		return err
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGQUIT)
	go func() {
		<-sigs
		os.Exit(0)
	}()
	srv := &http.Server{Addr: ":" + port, Handler: http.FileServer(http.Dir("/usr/share/nginx/html"))}
	return srv.ListenAndServe()
}

// pgrep prints the pids of the processes whose name (comm) matches the
// pattern, like busybox pgrep without options; exit status 1 if none.
func pgrep(args []string) error {
	if len(args) != 1 {
		return fmt.Errorf("usage: pgrep PATTERN")
	}
	re, err := regexp.Compile(args[0])
	if err != nil {
		return err
	}
	self := os.Getpid()
	found := false
	for _, pid := range pids() {
		if pid == self {
			continue
		}
		comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
		if err != nil {
			continue
		}
		if re.MatchString(strings.TrimSpace(string(comm))) {
			fmt.Println(pid)
			found = true
		}
	}
	if !found {
		os.Exit(1)
	}
	return nil
}

// pids lists the numeric entries of /proc in ascending order.
func pids() []int {
	entries, _ := os.ReadDir("/proc")
	var out []int
	for _, e := range entries {
		if n, err := strconv.Atoi(e.Name()); err == nil {
			out = append(out, n)
		}
	}
	sort.Ints(out)
	return out
}

// ipcs prints the shared memory segments of the IPC namespace in util-linux
// `ipcs -m` layout.
func ipcs() error {
	f, err := os.Open("/proc/sysvipc/shm")
	if err != nil {
		return err
	}
	defer f.Close()
	fmt.Print("\n------ Shared Memory Segments --------\n")
	fmt.Printf("%-10s %-10s %-10s %-10s %-10s %-10s %-12s\n",
		"key", "shmid", "owner", "perms", "bytes", "nattch", "status")
	sc := bufio.NewScanner(f)
	first := true
	for sc.Scan() {
		if first { // header line
			first = false
			continue
		}
		// key shmid perms size cpid lpid nattch uid gid ...
		fld := strings.Fields(sc.Text())
		if len(fld) < 8 {
			continue
		}
		key, _ := strconv.ParseInt(fld[0], 10, 64)
		perms, _ := strconv.ParseInt(fld[2], 10, 64)
		fmt.Printf("0x%08x %-10s %-10s %-10o %-10s %-10s\n",
			uint32(key), fld[1], fld[7], perms&0o777, fld[3], fld[6])
	}
	fmt.Println()
	return sc.Err()
}
