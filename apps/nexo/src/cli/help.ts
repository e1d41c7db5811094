const CONFIG_OPTION =
  '  -c, --config PATH  config file (default: $NEXO_CONFIG, else ~/.nexo/config.yaml)';

const EXIT_CODES = `Exit codes: 0 ok, 1 config invalid or operation failed, 2 usage error.`;

/** Help text of each command, printed by `--help` and after a usage error. */
export const HELP: Readonly<Record<string, string>> = {
  nexo: `Usage: nexo [command] [options]

HTTPS reverse proxy with automatic ACME certificates, from one YAML file.

Commands:
  server           run the proxy (the default command)
  validate         check a config file and print every problem
  certs list       show certificates, expiry, next renewal and last error
  certs renew NAME obtain a new certificate for NAME now
  version          print the version

Run "nexo <command> --help" for a command's options.
${EXIT_CODES}
`,
  server: `Usage: nexo server [options]

Serves HTTPS for every host in the config, obtaining and renewing certificates.
Reloads the config when the file changes or on SIGHUP; SIGTERM/SIGINT stop gracefully
(in-flight requests get shutdown.deadline), a second signal stops at once.

Options:
${CONFIG_OPTION}
  -h, --help         show this help

${EXIT_CODES}
`,
  validate: `Usage: nexo validate [options]

Checks the config file and prints every problem as file:line:column: key: message.

Options:
${CONFIG_OPTION}
  -h, --help         show this help

Exit codes: 0 valid (warnings allowed), 1 invalid or unreadable, 2 usage error.
`,
  certs: `Usage: nexo certs list [--json] [options]
       nexo certs renew NAME [options]

list   every certificate the config needs or the store holds: names, status,
       expiry, next renewal, last error. Reads the store only.
renew  obtains a new certificate for NAME (a host or *.example.com) now, whatever
       its schedule; a running server picks it up at its next check or on SIGHUP.

Options:
${CONFIG_OPTION}
      --json         (list) print JSON instead of a table
  -h, --help         show this help

${EXIT_CODES}
`,
  version: `Usage: nexo version

Prints the version of nexo and of Node.js.
`,
};
