// Command ferretdb-sqlite runs an embedded FerretDB (MongoDB wire protocol)
// server backed by SQLite files, for the project's integration tests.
//
// It exists because `go install github.com/FerretDB/FerretDB/cmd/ferretdb`
// panics at start (missing generated version file, FerretDB issue #2982);
// embedding the public ferretdb package avoids that.
//
// Usage:
//
//	ferretdb-sqlite --listen 127.0.0.1:27017 --sqlite-dir /abs/data/dir
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:27017", "TCP address to listen on (host:port)")
	sqliteDir := flag.String("sqlite-dir", "", "absolute path of an existing directory for the SQLite databases")
	flag.Parse()

	if *sqliteDir == "" {
		log.Fatal("--sqlite-dir is required")
	}
	if !filepath.IsAbs(*sqliteDir) {
		log.Fatalf("--sqlite-dir must be an absolute path, got %q", *sqliteDir)
	}
	fi, err := os.Stat(*sqliteDir)
	if err != nil {
		log.Fatalf("--sqlite-dir: %v", err)
	}
	if !fi.IsDir() {
		log.Fatalf("--sqlite-dir: %q is not a directory", *sqliteDir)
	}

	dir := filepath.Clean(*sqliteDir)
	if !strings.HasSuffix(dir, "/") {
		dir += "/"
	}
	url := "file:" + dir

	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: *listen},
		Handler:   "sqlite",
		SQLiteURL: url,
	})
	if err != nil {
		log.Fatalf("ferretdb.New: %v", err)
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()

	fmt.Fprintf(os.Stderr, "ferretdb-sqlite: listening on %s, sqlite %s\n", *listen, url)

	if err := f.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
		log.Fatalf("ferretdb.Run: %v", err)
	}
	fmt.Fprintln(os.Stderr, "ferretdb-sqlite: stopped")
}
