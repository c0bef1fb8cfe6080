#!/usr/bin/env node
// The repository's `paymux` command (package.json "bin"); the CLI lives in services/cli.
import '../services/cli/bin/paymux.js';
