
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'spork' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'spork'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'spork' {
            [CompletionResult]::new('--bootstrap', '--bootstrap', [CompletionResultType]::ParameterName, 'DHT nodes to join, as HOST:PORT[,HOST:PORT…] [default: the public HyperDHT nodes]')
            [CompletionResult]::new('--dht-port', '--dht-port', [CompletionResultType]::ParameterName, 'Fix the local UDP port (for a forwarded port) [default: any free port]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print events as JSON lines for scripts')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('beam', 'beam', [CompletionResultType]::ParameterValue, 'Open an encrypted pipe: stdin here → stdout there, and back.')
            [CompletionResult]::new('bind', 'bind', [CompletionResultType]::ParameterValue, 'Expose a local TCP port under a public key, or reach one through the DHT')
            [CompletionResult]::new('call', 'call', [CompletionResultType]::ParameterValue, 'Call a JSON-RPC method through the host''s gateway, as the admin')
            [CompletionResult]::new('cfg', 'cfg', [CompletionResultType]::ParameterValue, 'Show or set a service''s config (restarting it when values change)')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('connect', 'connect', [CompletionResultType]::ParameterValue, 'Reach a paired home cloud from this device: a local port tunnelled to it')
            [CompletionResult]::new('db', 'db', [CompletionResultType]::ParameterValue, 'The home cloud''s databases (ADB): list, read, write, export, follow')
            [CompletionResult]::new('deluser', 'deluser', [CompletionResultType]::ParameterValue, 'Delete a user account (and end its sessions)')
            [CompletionResult]::new('dht', 'dht', [CompletionResultType]::ParameterValue, 'Run a HyperDHT node for others: route queries, store announcements and records, relay handshakes between clients and servers')
            [CompletionResult]::new('gateway', 'gateway', [CompletionResultType]::ParameterValue, 'Reach websites served peer to peer, by key, from any browser')
            [CompletionResult]::new('get', 'get', [CompletionResultType]::ParameterValue, 'Show one service')
            [CompletionResult]::new('host', 'host', [CompletionResultType]::ParameterValue, 'Run the home cloud: services, their APIs, their websites')
            [CompletionResult]::new('install', 'install', [CompletionResultType]::ParameterValue, 'Install a service from a folder or a git URL, and start it')
            [CompletionResult]::new('key', 'key', [CompletionResultType]::ParameterValue, 'Make and inspect keypairs: a device''s identity on the DHT')
            [CompletionResult]::new('logs', 'logs', [CompletionResultType]::ParameterValue, 'Show a service''s log (what it printed, and what the host said about it)')
            [CompletionResult]::new('ls', 'ls', [CompletionResultType]::ParameterValue, 'List the services')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Print the manual page (roff) on stdout')
            [CompletionResult]::new('mkuser', 'mkuser', [CompletionResultType]::ParameterValue, 'Make a user account; the password is asked for (or read from stdin''s first line)')
            [CompletionResult]::new('moduser', 'moduser', [CompletionResultType]::ParameterValue, 'Change a user account: its name, password or role')
            [CompletionResult]::new('pair', 'pair', [CompletionResultType]::ParameterValue, 'Pair this device with a home cloud, from an invite made by `spork host invite`')
            [CompletionResult]::new('restart', 'restart', [CompletionResultType]::ParameterValue, 'Start, stop or restart a service')
            [CompletionResult]::new('seed', 'seed', [CompletionResultType]::ParameterValue, 'Keep hypercores available: download, follow live, serve to anyone')
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Serve a folder as a website, locally and peer to peer')
            [CompletionResult]::new('start', 'start', [CompletionResultType]::ParameterValue, 'Start, stop or restart a service')
            [CompletionResult]::new('stop', 'stop', [CompletionResultType]::ParameterValue, 'Start, stop or restart a service')
            [CompletionResult]::new('uninstall', 'uninstall', [CompletionResultType]::ParameterValue, 'Remove a service (its data stays unless --purge)')
            [CompletionResult]::new('update', 'update', [CompletionResultType]::ParameterValue, 'Move git services to their newest release in range (restarting them)')
            [CompletionResult]::new('users', 'users', [CompletionResultType]::ParameterValue, 'List the host''s user accounts')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'spork;beam' {
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Give up if the other side has not connected after SECS [default: wait forever]')
            [CompletionResult]::new('--bootstrap', '--bootstrap', [CompletionResultType]::ParameterName, 'DHT nodes to join, as HOST:PORT[,HOST:PORT…] [default: the public HyperDHT nodes]')
            [CompletionResult]::new('--dht-port', '--dht-port', [CompletionResultType]::ParameterName, 'Fix the local UDP port (for a forwarded port) [default: any free port]')
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'Wait for the other side even though a passphrase is given (restart the waiting side with the same passphrase)')
            [CompletionResult]::new('--reuse', '--reuse', [CompletionResultType]::ParameterName, 'Wait for the other side even though a passphrase is given (restart the waiting side with the same passphrase)')
            [CompletionResult]::new('--qr', '--qr', [CompletionResultType]::ParameterName, 'Also show the passphrase as a QR code (on stderr)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print events as JSON lines for scripts')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'spork;bind' {
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Reverse: the local port to expose (required). Forward: the local port to listen on [default: a free port, printed]')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'Reverse: the local port to expose (required). Forward: the local port to listen on [default: a free port, printed]')
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'Reverse: the host the local port is on')
            [CompletionResult]::new('--listen', '--listen', [CompletionResultType]::ParameterName, 'Forward: the address to listen on (widen with 0.0.0.0 to share on your network)')
            [CompletionResult]::new('-k', '-k', [CompletionResultType]::ParameterName, 'Keyfile with your identity (created 0600 if missing) [default: a fresh key]')
            [CompletionResult]::new('--keyfile', '--keyfile', [CompletionResultType]::ParameterName, 'Keyfile with your identity (created 0600 if missing) [default: a fresh key]')
            [CompletionResult]::new('--allow', '--allow', [CompletionResultType]::ParameterName, 'Reverse: only let this client key in (repeatable) [default: everyone]')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Forward: how long to keep retrying an unreachable peer for one connection')
            [CompletionResult]::new('--gateway-domain', '--gateway-domain', [CompletionResultType]::ParameterName, 'Print a share link https://KEY.DOMAIN/ for the gateway you run at DOMAIN')
            [CompletionResult]::new('--bootstrap', '--bootstrap', [CompletionResultType]::ParameterName, 'DHT nodes to join, as HOST:PORT[,HOST:PORT…] [default: the public HyperDHT nodes]')
            [CompletionResult]::new('--dht-port', '--dht-port', [CompletionResultType]::ParameterName, 'Fix the local UDP port (for a forwarded port) [default: any free port]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print events as JSON lines for scripts')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'spork;call' {
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'The host''s folder [default: ~/.atek]')
            [CompletionResult]::new('--bootstrap', '--bootstrap', [CompletionResultType]::ParameterName, 'DHT nodes to join, as HOST:PORT[,HOST:PORT…] [default: the public HyperDHT nodes]')
            [CompletionResult]::new('--dht-port', '--dht-port', [CompletionResultType]::ParameterName, 'Fix the local UDP port (for a forwarded port) [default: any free port]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print events as JSON lines for scripts')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'spork;cfg' {
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'The host''s folder [default: ~/.atek]')
            [CompletionResult]::new('--bootstrap', '--bootstrap', [CompletionResultType]::ParameterName, 'DHT nodes to join, as HOST:PORT[,HOST:PORT…] [default: the public HyperDHT nodes]')
            [CompletionResult]::new('--dht-port', '--dht-port', [CompletionResultType]::ParameterName, 'Fix the local UDP port (for a forwarded port) [default: any free port]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print events as JSON lines for scripts')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'spork;completions' {
            [CompletionResult]::new('--bootstrap', '--bootstrap', [CompletionResultType]::ParameterName, 'DHT nodes to join, as HOST:PORT[,HOST:PORT…] [default: the public HyperDHT nodes]')
            [CompletionResult]::new('--dht-port', '--dht-port', [CompletionResultType]::ParameterName, 'Fix the local UDP port (for a forwarded port) [default: any free port]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print events as JSON lines for scripts')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'spork;connect' {
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'The local port (0: a free one) [default: 8035]')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'The local port (0: a free one) [default: 8035]')
            [CompletionResult]::new('--listen', '--listen', [CompletionResultType]::ParameterName, 'The address to listen on')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Seconds to keep trying to reach the host for one connection')
            [CompletionResult]::new('--bootstrap', '--bootstrap', [CompletionResultType]::ParameterName, 'DHT nodes to join, as HOST:PORT[,HOST:PORT…] [default: the public HyperDHT nodes]')
            [CompletionResult]::new('--dht-port', '--dht-port', [CompletionResultType]::ParameterName, 'Fix the local UDP port (for a forwarded port) [default: any free port]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print events as JSON lines for scripts')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'spork;db' {
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'The host''s folder [default: ~/.atek]')
            [CompletionResult]::new('--bootstrap', '--bootstrap', [CompletionResultType]::ParameterName, 'DHT nodes to join, as HOST:PORT[,HOST:PORT…] [default: the public HyperDHT nodes]')
            [CompletionResult]::new('--dht-port', '--dht-port', [CompletionResultType]::ParameterName, 'Fix the local UDP port (for a forwarded port) [default: any free port]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print events as JSON lines for scripts')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('ls', 'ls', [CompletionResultType]::ParameterValue, 'List every database (id, owner/alias, access, records'' version)')
            [CompletionResult]::new('describe', 'describe', [CompletionResultType]::ParameterValue, 'Show one database')
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Make a database for the admin (or, with --service, for a service)')
            [CompletionResult]::new('configure', 'configure', [CompletionResultType]::ParameterValue, 'Change a database''s access, alias or schemas')
            [CompletionResult]::new('get', 'get', [CompletionResultType]::ParameterValue, 'Print the value at PATH (the whole record with --json)')
            [CompletionResult]::new('put', 'put', [CompletionResultType]::ParameterValue, 'Write a JSON object at PATH (from the argument, or stdin with - or none)')
            [CompletionResult]::new('del', 'del', [CompletionResultType]::ParameterValue, 'Delete the record at PATH')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the records in a folder')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Every record under PATH as JSON lines {"path", "value"}, on stdout')
            [CompletionResult]::new('import', 'import', [CompletionResultType]::ParameterValue, 'Write JSON lines {"path", "value"} (from FILE or stdin) into a database')
            [CompletionResult]::new('follow', 'follow', [CompletionResultType]::ParameterValue, 'Follow another home''s public database, read-only and live')
            [CompletionResult]::new('unfollow', 'unfollow', [CompletionResultType]::ParameterValue, 'Stop following a database (its blocks stay in the store)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'spork;db;ls' {
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'The host''s folder [default: ~/.atek]')
            [CompletionResult]::new('--bootstrap', '--bootstrap', [CompletionResultType]::ParameterName, 'DHT nodes to join, as HOST:PORT[,HOST:PORT…] [default: the public HyperDHT nodes]')
            [CompletionResult]::new('--dht-port', '--dht-port', [CompletionResultType]::ParameterName, 'Fix the local UDP port (for a forwarded port) [default: any free port]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print events as JSON lines for scripts')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'spork;db;describe' {
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'The host''s folder [default: ~/.atek]')
            [CompletionResult]::new('--bootstrap', '--bootstrap', [CompletionResultType]::ParameterName, 'DHT nodes to join, as HOST:PORT[,HOST:PORT…] [default: the public HyperDHT nodes]')
            [CompletionResult]::new('--dht-port', '--dht-port', [CompletionResultType]::ParameterName, 'Fix the local UDP port (for a forwarded port) [default: any free port]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print events as JSON lines for scripts')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'spork;db;create' {
            [CompletionResult]::new('--service', '--service', [CompletionResultType]::ParameterName, 'The owning service [default: the admin''s own, `system`]')
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'The host''s folder [default: ~/.atek]')
            [CompletionResult]::new('--bootstrap', '--bootstrap', [CompletionResultType]::ParameterName, 'DHT nodes to join, as HOST:PORT[,HOST:PORT…] [default: the public HyperDHT nodes]')
            [CompletionResult]::new('--dht-port', '--dht-port', [CompletionResultType]::ParameterName, 'Fix the local UDP port (for a forwarded port) [default: any free port]')
            [CompletionResult]::new('--public', '--public', [CompletionResultType]::ParameterName, 'Share it with other homes (announced on the swarm; any service may read it)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print events as JSON lines for scripts')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'spork;db;configure' {
            [CompletionResult]::new('--access', '--access', [CompletionResultType]::ParameterName, 'private or public')
            [CompletionResult]::new('--alias', '--alias', [CompletionResultType]::ParameterName, 'A new alias ("" removes it)')
            [CompletionResult]::new('--schema', '--schema', [CompletionResultType]::ParameterName, 'Records under PREFIX must meet the JSON Schema in FILE: PREFIX=FILE')
            [CompletionResult]::new('--no-schema', '--no-schema', [CompletionResultType]::ParameterName, 'Drop the schema of PREFIX')
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'The host''s folder [default: ~/.atek]')
            [CompletionResult]::new('--bootstrap', '--bootstrap', [CompletionResultType]::ParameterName, 'DHT nodes to join, as HOST:PORT[,HOST:PORT…] [default: the public HyperDHT nodes]')
            [CompletionResult]::new('--dht-port', '--dht-port', [CompletionResultType]::ParameterName, 'Fix the local UDP port (for a forwarded port) [default: any free port]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print events as JSON lines for scripts')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'spork;db;get' {
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'The host''s folder [default: ~/.atek]')
            [CompletionResult]::new('--bootstrap', '--bootstrap', [CompletionResultType]::ParameterName, 'DHT nodes to join, as HOST:PORT[,HOST:PORT…] [default: the public HyperDHT nodes]')
            [CompletionResult]::new('--dht-port', '--dht-port', [CompletionResultType]::ParameterName, 'Fix the local UDP port (for a forwarded port) [default: any free port]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print events as JSON lines for scripts')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'spork;db;put' {
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'The host''s folder [default: ~/.atek]')
            [CompletionResult]::new('--bootstrap', '--bootstrap', [CompletionResultType]::ParameterName, 'DHT nodes to join, as HOST:PORT[,HOST:PORT…] [default: the public HyperDHT nodes]')
            [CompletionResult]::new('--dht-port', '--dht-port', [CompletionResultType]::ParameterName, 'Fix the local UDP port (for a forwarded port) [default: any free port]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print events as JSON lines for scripts')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'spork;db;del' {
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'The host''s folder [default: ~/.atek]')
            [CompletionResult]::new('--bootstrap', '--bootstrap', [CompletionResultType]::ParameterName, 'DHT nodes to join, as HOST:PORT[,HOST:PORT…] [default: the public HyperDHT nodes]')
            [CompletionResult]::new('--dht-port', '--dht-port', [CompletionResultType]::ParameterName, 'Fix the local UDP port (for a forwarded port) [default: any free port]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print events as JSON lines for scripts')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'spork;db;list' {
            [CompletionResult]::new('--gt', '--gt', [CompletionResultType]::ParameterName, 'Keys after this')
            [CompletionResult]::new('--lt', '--lt', [CompletionResultType]::ParameterName, 'Keys before this')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'At most N records')
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'The host''s folder [default: ~/.atek]')
            [CompletionResult]::new('--bootstrap', '--bootstrap', [CompletionResultType]::ParameterName, 'DHT nodes to join, as HOST:PORT[,HOST:PORT…] [default: the public HyperDHT nodes]')
            [CompletionResult]::new('--dht-port', '--dht-port', [CompletionResultType]::ParameterName, 'Fix the local UDP port (for a forwarded port) [default: any free port]')
            [CompletionResult]::new('--reverse', '--reverse', [CompletionResultType]::ParameterName, 'Largest key first')
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'Deeper folders too')
            [CompletionResult]::new('--recursive', '--recursive', [CompletionResultType]::ParameterName, 'Deeper folders too')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print events as JSON lines for scripts')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'spork;db;export' {
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'The host''s folder [default: ~/.atek]')
            [CompletionResult]::new('--bootstrap', '--bootstrap', [CompletionResultType]::ParameterName, 'DHT nodes to join, as HOST:PORT[,HOST:PORT…] [default: the public HyperDHT nodes]')
            [CompletionResult]::new('--dht-port', '--dht-port', [CompletionResultType]::ParameterName, 'Fix the local UDP port (for a forwarded port) [default: any free port]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print events as JSON lines for scripts')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'spork;db;import' {
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'The host''s folder [default: ~/.atek]')
            [CompletionResult]::new('--bootstrap', '--bootstrap', [CompletionResultType]::ParameterName, 'DHT nodes to join, as HOST:PORT[,HOST:PORT…] [default: the public HyperDHT nodes]')
            [CompletionResult]::new('--dht-port', '--dht-port', [CompletionResultType]::ParameterName, 'Fix the local UDP port (for a forwarded port) [default: any free port]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print events as JSON lines for scripts')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'spork;db;follow' {
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'The host''s folder [default: ~/.atek]')
            [CompletionResult]::new('--bootstrap', '--bootstrap', [CompletionResultType]::ParameterName, 'DHT nodes to join, as HOST:PORT[,HOST:PORT…] [default: the public HyperDHT nodes]')
            [CompletionResult]::new('--dht-port', '--dht-port', [CompletionResultType]::ParameterName, 'Fix the local UDP port (for a forwarded port) [default: any free port]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print events as JSON lines for scripts')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'spork;db;unfollow' {
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'The host''s folder [default: ~/.atek]')
            [CompletionResult]::new('--bootstrap', '--bootstrap', [CompletionResultType]::ParameterName, 'DHT nodes to join, as HOST:PORT[,HOST:PORT…] [default: the public HyperDHT nodes]')
            [CompletionResult]::new('--dht-port', '--dht-port', [CompletionResultType]::ParameterName, 'Fix the local UDP port (for a forwarded port) [default: any free port]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print events as JSON lines for scripts')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'spork;db;help' {
            [CompletionResult]::new('ls', 'ls', [CompletionResultType]::ParameterValue, 'List every database (id, owner/alias, access, records'' version)')
            [CompletionResult]::new('describe', 'describe', [CompletionResultType]::ParameterValue, 'Show one database')
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Make a database for the admin (or, with --service, for a service)')
            [CompletionResult]::new('configure', 'configure', [CompletionResultType]::ParameterValue, 'Change a database''s access, alias or schemas')
            [CompletionResult]::new('get', 'get', [CompletionResultType]::ParameterValue, 'Print the value at PATH (the whole record with --json)')
            [CompletionResult]::new('put', 'put', [CompletionResultType]::ParameterValue, 'Write a JSON object at PATH (from the argument, or stdin with - or none)')
            [CompletionResult]::new('del', 'del', [CompletionResultType]::ParameterValue, 'Delete the record at PATH')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the records in a folder')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Every record under PATH as JSON lines {"path", "value"}, on stdout')
            [CompletionResult]::new('import', 'import', [CompletionResultType]::ParameterValue, 'Write JSON lines {"path", "value"} (from FILE or stdin) into a database')
            [CompletionResult]::new('follow', 'follow', [CompletionResultType]::ParameterValue, 'Follow another home''s public database, read-only and live')
            [CompletionResult]::new('unfollow', 'unfollow', [CompletionResultType]::ParameterValue, 'Stop following a database (its blocks stay in the store)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'spork;db;help;ls' {
            break
        }
        'spork;db;help;describe' {
            break
        }
        'spork;db;help;create' {
            break
        }
        'spork;db;help;configure' {
            break
        }
        'spork;db;help;get' {
            break
        }
        'spork;db;help;put' {
            break
        }
        'spork;db;help;del' {
            break
        }
        'spork;db;help;list' {
            break
        }
        'spork;db;help;export' {
            break
        }
        'spork;db;help;import' {
            break
        }
        'spork;db;help;follow' {
            break
        }
        'spork;db;help;unfollow' {
            break
        }
        'spork;db;help;help' {
            break
        }
        'spork;deluser' {
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'The host''s folder [default: ~/.atek]')
            [CompletionResult]::new('--bootstrap', '--bootstrap', [CompletionResultType]::ParameterName, 'DHT nodes to join, as HOST:PORT[,HOST:PORT…] [default: the public HyperDHT nodes]')
            [CompletionResult]::new('--dht-port', '--dht-port', [CompletionResultType]::ParameterName, 'Fix the local UDP port (for a forwarded port) [default: any free port]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print events as JSON lines for scripts')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'spork;dht' {
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'IPv4 address to bind the UDP socket to')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'UDP port to bind (--dht-port, if given, wins)')
            [CompletionResult]::new('--max-requests-per-ip', '--max-requests-per-ip', [CompletionResultType]::ParameterName, 'Requests per second accepted from one IP address (bursts of twice that); loopback is exempt')
            [CompletionResult]::new('--bootstrap', '--bootstrap', [CompletionResultType]::ParameterName, 'DHT nodes to join, as HOST:PORT[,HOST:PORT…] [default: the public HyperDHT nodes]')
            [CompletionResult]::new('--dht-port', '--dht-port', [CompletionResultType]::ParameterName, 'Fix the local UDP port (for a forwarded port) [default: any free port]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print events as JSON lines for scripts')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'spork;gateway' {
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'The local port')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'The local port')
            [CompletionResult]::new('--listen', '--listen', [CompletionResultType]::ParameterName, 'The address to listen on')
            [CompletionResult]::new('--domain', '--domain', [CompletionResultType]::ParameterName, 'A domain whose subdomains are keys (repeatable) [default: localhost only]')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Seconds to reach a peer before answering 504')
            [CompletionResult]::new('--bootstrap', '--bootstrap', [CompletionResultType]::ParameterName, 'DHT nodes to join, as HOST:PORT[,HOST:PORT…] [default: the public HyperDHT nodes]')
            [CompletionResult]::new('--dht-port', '--dht-port', [CompletionResultType]::ParameterName, 'Fix the local UDP port (for a forwarded port) [default: any free port]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print events as JSON lines for scripts')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'spork;get' {
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'The host''s folder [default: ~/.atek]')
            [CompletionResult]::new('--bootstrap', '--bootstrap', [CompletionResultType]::ParameterName, 'DHT nodes to join, as HOST:PORT[,HOST:PORT…] [default: the public HyperDHT nodes]')
            [CompletionResult]::new('--dht-port', '--dht-port', [CompletionResultType]::ParameterName, 'Fix the local UDP port (for a forwarded port) [default: any free port]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print events as JSON lines for scripts')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'spork;host' {
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'The host''s folder [default: ~/.atek]')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'The HTTP port (0: a free one, printed) [default: config.json''s, else 2835]')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'The HTTP port (0: a free one, printed) [default: config.json''s, else 2835]')
            [CompletionResult]::new('--listen', '--listen', [CompletionResultType]::ParameterName, 'The address to listen on (widen with 0.0.0.0 to share on your network)')
            [CompletionResult]::new('--ready-timeout', '--ready-timeout', [CompletionResultType]::ParameterName, 'Seconds a service has to answer its health request before it is `failed`')
            [CompletionResult]::new('--stop-timeout', '--stop-timeout', [CompletionResultType]::ParameterName, 'Seconds a stopping service has between SIGTERM and SIGKILL')
            [CompletionResult]::new('--call-timeout', '--call-timeout', [CompletionResultType]::ParameterName, 'Seconds a JSON-RPC call through the gateway may take')
            [CompletionResult]::new('--update-check', '--update-check', [CompletionResultType]::ParameterName, 'How often git services are checked for a newer release (e.g. 24h, 30m, 90s)')
            [CompletionResult]::new('--session-idle', '--session-idle', [CompletionResultType]::ParameterName, 'How long a browser session lasts unused before it asks to sign in again')
            [CompletionResult]::new('--session-max', '--session-max', [CompletionResultType]::ParameterName, 'How long a browser session lasts at most, used or not')
            [CompletionResult]::new('--remote', '--remote', [CompletionResultType]::ParameterName, 'Who may reach the host over the DHT: `paired` devices only, or `public` (any key; signing in is then the only lock)')
            [CompletionResult]::new('--bootstrap', '--bootstrap', [CompletionResultType]::ParameterName, 'DHT nodes to join, as HOST:PORT[,HOST:PORT…] [default: the public HyperDHT nodes]')
            [CompletionResult]::new('--dht-port', '--dht-port', [CompletionResultType]::ParameterName, 'Fix the local UDP port (for a forwarded port) [default: any free port]')
            [CompletionResult]::new('--unsafe-no-sandbox', '--unsafe-no-sandbox', [CompletionResultType]::ParameterName, 'Run services without a sandbox (each can then read and change all your files)')
            [CompletionResult]::new('--no-remote', '--no-remote', [CompletionResultType]::ParameterName, 'Do not listen on the DHT: no remote access at all')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print events as JSON lines for scripts')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('login-link', 'login-link', [CompletionResultType]::ParameterValue, 'Print a fresh one-time browser login link (on stderr)')
            [CompletionResult]::new('key', 'key', [CompletionResultType]::ParameterValue, 'Print the host''s public key: its address for remote access (made if new)')
            [CompletionResult]::new('invite', 'invite', [CompletionResultType]::ParameterValue, 'Make a one-time invite that pairs one device (shown once, on stderr, with a QR code); on the device: spork pair')
            [CompletionResult]::new('devices', 'devices', [CompletionResultType]::ParameterValue, 'List the paired devices, or unpair one (its open connections close at once)')
            [CompletionResult]::new('backup', 'backup', [CompletionResultType]::ParameterValue, 'Back up the running host to FILE: databases, config, services'' packages and data')
            [CompletionResult]::new('restore', 'restore', [CompletionResultType]::ParameterValue, 'Restore a backup into --dir, which must be new or empty; then `spork host` there')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'spork;host;login-link' {
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'The host''s folder [default: ~/.atek]')
            [CompletionResult]::new('--bootstrap', '--bootstrap', [CompletionResultType]::ParameterName, 'DHT nodes to join, as HOST:PORT[,HOST:PORT…] [default: the public HyperDHT nodes]')
            [CompletionResult]::new('--dht-port', '--dht-port', [CompletionResultType]::ParameterName, 'Fix the local UDP port (for a forwarded port) [default: any free port]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print events as JSON lines for scripts')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'spork;host;key' {
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'The host''s folder [default: ~/.atek]')
            [CompletionResult]::new('--bootstrap', '--bootstrap', [CompletionResultType]::ParameterName, 'DHT nodes to join, as HOST:PORT[,HOST:PORT…] [default: the public HyperDHT nodes]')
            [CompletionResult]::new('--dht-port', '--dht-port', [CompletionResultType]::ParameterName, 'Fix the local UDP port (for a forwarded port) [default: any free port]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print events as JSON lines for scripts')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'spork;host;invite' {
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'The device''s name on this host [default: device-N]')
            [CompletionResult]::new('--expires', '--expires', [CompletionResultType]::ParameterName, 'How long the invite lasts (e.g. 10m, 1h)')
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'The host''s folder [default: ~/.atek]')
            [CompletionResult]::new('--bootstrap', '--bootstrap', [CompletionResultType]::ParameterName, 'DHT nodes to join, as HOST:PORT[,HOST:PORT…] [default: the public HyperDHT nodes]')
            [CompletionResult]::new('--dht-port', '--dht-port', [CompletionResultType]::ParameterName, 'Fix the local UDP port (for a forwarded port) [default: any free port]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print events as JSON lines for scripts')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'spork;host;devices' {
            [CompletionResult]::new('--revoke', '--revoke', [CompletionResultType]::ParameterName, 'Unpair this device')
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'The host''s folder [default: ~/.atek]')
            [CompletionResult]::new('--bootstrap', '--bootstrap', [CompletionResultType]::ParameterName, 'DHT nodes to join, as HOST:PORT[,HOST:PORT…] [default: the public HyperDHT nodes]')
            [CompletionResult]::new('--dht-port', '--dht-port', [CompletionResultType]::ParameterName, 'Fix the local UDP port (for a forwarded port) [default: any free port]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print events as JSON lines for scripts')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'spork;host;backup' {
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'The host''s folder [default: ~/.atek]')
            [CompletionResult]::new('--bootstrap', '--bootstrap', [CompletionResultType]::ParameterName, 'DHT nodes to join, as HOST:PORT[,HOST:PORT…] [default: the public HyperDHT nodes]')
            [CompletionResult]::new('--dht-port', '--dht-port', [CompletionResultType]::ParameterName, 'Fix the local UDP port (for a forwarded port) [default: any free port]')
            [CompletionResult]::new('--secrets', '--secrets', [CompletionResultType]::ParameterName, 'Include the admin token, the seeding key and the host key (secrets.json, seed-key.json, host-key.json)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print events as JSON lines for scripts')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'spork;host;restore' {
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'The host''s folder [default: ~/.atek]')
            [CompletionResult]::new('--bootstrap', '--bootstrap', [CompletionResultType]::ParameterName, 'DHT nodes to join, as HOST:PORT[,HOST:PORT…] [default: the public HyperDHT nodes]')
            [CompletionResult]::new('--dht-port', '--dht-port', [CompletionResultType]::ParameterName, 'Fix the local UDP port (for a forwarded port) [default: any free port]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print events as JSON lines for scripts')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'spork;host;help' {
            [CompletionResult]::new('login-link', 'login-link', [CompletionResultType]::ParameterValue, 'Print a fresh one-time browser login link (on stderr)')
            [CompletionResult]::new('key', 'key', [CompletionResultType]::ParameterValue, 'Print the host''s public key: its address for remote access (made if new)')
            [CompletionResult]::new('invite', 'invite', [CompletionResultType]::ParameterValue, 'Make a one-time invite that pairs one device (shown once, on stderr, with a QR code); on the device: spork pair')
            [CompletionResult]::new('devices', 'devices', [CompletionResultType]::ParameterValue, 'List the paired devices, or unpair one (its open connections close at once)')
            [CompletionResult]::new('backup', 'backup', [CompletionResultType]::ParameterValue, 'Back up the running host to FILE: databases, config, services'' packages and data')
            [CompletionResult]::new('restore', 'restore', [CompletionResultType]::ParameterValue, 'Restore a backup into --dir, which must be new or empty; then `spork host` there')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'spork;host;help;login-link' {
            break
        }
        'spork;host;help;key' {
            break
        }
        'spork;host;help;invite' {
            break
        }
        'spork;host;help;devices' {
            break
        }
        'spork;host;help;backup' {
            break
        }
        'spork;host;help;restore' {
            break
        }
        'spork;host;help;help' {
            break
        }
        'spork;install' {
            [CompletionResult]::new('--id', '--id', [CompletionResultType]::ParameterName, 'The service''s id [default: its name, made unique]')
            [CompletionResult]::new('--semver', '--semver', [CompletionResultType]::ParameterName, 'A semver range of releases to follow (git)')
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'An environment variable for the service (repeatable)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'The user who owns it (a username, or `system` for a multi-user service) [default: system]')
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'The host''s folder [default: ~/.atek]')
            [CompletionResult]::new('--bootstrap', '--bootstrap', [CompletionResultType]::ParameterName, 'DHT nodes to join, as HOST:PORT[,HOST:PORT…] [default: the public HyperDHT nodes]')
            [CompletionResult]::new('--dht-port', '--dht-port', [CompletionResultType]::ParameterName, 'Fix the local UDP port (for a forwarded port) [default: any free port]')
            [CompletionResult]::new('--link', '--link', [CompletionResultType]::ParameterName, 'Run the folder in place instead of a copy (development)')
            [CompletionResult]::new('--allow-network', '--allow-network', [CompletionResultType]::ParameterName, 'Grant the outbound network its atek.json asks for')
            [CompletionResult]::new('--allow-scripts', '--allow-scripts', [CompletionResultType]::ParameterName, 'Let npm run the dependencies'' install scripts')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print events as JSON lines for scripts')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'spork;key' {
            [CompletionResult]::new('--bootstrap', '--bootstrap', [CompletionResultType]::ParameterName, 'DHT nodes to join, as HOST:PORT[,HOST:PORT…] [default: the public HyperDHT nodes]')
            [CompletionResult]::new('--dht-port', '--dht-port', [CompletionResultType]::ParameterName, 'Fix the local UDP port (for a forwarded port) [default: any free port]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print events as JSON lines for scripts')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('new', 'new', [CompletionResultType]::ParameterValue, 'Create a new keypair')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print the public key of a keyfile: the address to give others')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Check a public key someone gave you and print it in spork''s form (lowercase base32)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'spork;key;new' {
            [CompletionResult]::new('-k', '-k', [CompletionResultType]::ParameterName, 'Write the keypair to this new file')
            [CompletionResult]::new('--keyfile', '--keyfile', [CompletionResultType]::ParameterName, 'Write the keypair to this new file')
            [CompletionResult]::new('--bootstrap', '--bootstrap', [CompletionResultType]::ParameterName, 'DHT nodes to join, as HOST:PORT[,HOST:PORT…] [default: the public HyperDHT nodes]')
            [CompletionResult]::new('--dht-port', '--dht-port', [CompletionResultType]::ParameterName, 'Fix the local UDP port (for a forwarded port) [default: any free port]')
            [CompletionResult]::new('--secret', '--secret', [CompletionResultType]::ParameterName, 'Print the new keypair, secret key included, instead of saving it')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print events as JSON lines for scripts')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'spork;key;show' {
            [CompletionResult]::new('--bootstrap', '--bootstrap', [CompletionResultType]::ParameterName, 'DHT nodes to join, as HOST:PORT[,HOST:PORT…] [default: the public HyperDHT nodes]')
            [CompletionResult]::new('--dht-port', '--dht-port', [CompletionResultType]::ParameterName, 'Fix the local UDP port (for a forwarded port) [default: any free port]')
            [CompletionResult]::new('--qr', '--qr', [CompletionResultType]::ParameterName, 'Also draw the public key as a QR code (on stderr)')
            [CompletionResult]::new('--secret', '--secret', [CompletionResultType]::ParameterName, 'Print the whole keyfile, secret key included (the only way to see it)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print events as JSON lines for scripts')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'spork;key;check' {
            [CompletionResult]::new('--bootstrap', '--bootstrap', [CompletionResultType]::ParameterName, 'DHT nodes to join, as HOST:PORT[,HOST:PORT…] [default: the public HyperDHT nodes]')
            [CompletionResult]::new('--dht-port', '--dht-port', [CompletionResultType]::ParameterName, 'Fix the local UDP port (for a forwarded port) [default: any free port]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print events as JSON lines for scripts')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'spork;key;help' {
            [CompletionResult]::new('new', 'new', [CompletionResultType]::ParameterValue, 'Create a new keypair')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print the public key of a keyfile: the address to give others')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Check a public key someone gave you and print it in spork''s form (lowercase base32)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'spork;key;help;new' {
            break
        }
        'spork;key;help;show' {
            break
        }
        'spork;key;help;check' {
            break
        }
        'spork;key;help;help' {
            break
        }
        'spork;logs' {
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'How many lines from the end')
            [CompletionResult]::new('--lines', '--lines', [CompletionResultType]::ParameterName, 'How many lines from the end')
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'The host''s folder [default: ~/.atek]')
            [CompletionResult]::new('--bootstrap', '--bootstrap', [CompletionResultType]::ParameterName, 'DHT nodes to join, as HOST:PORT[,HOST:PORT…] [default: the public HyperDHT nodes]')
            [CompletionResult]::new('--dht-port', '--dht-port', [CompletionResultType]::ParameterName, 'Fix the local UDP port (for a forwarded port) [default: any free port]')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Keep printing new lines')
            [CompletionResult]::new('--follow', '--follow', [CompletionResultType]::ParameterName, 'Keep printing new lines')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print events as JSON lines for scripts')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'spork;ls' {
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'The host''s folder [default: ~/.atek]')
            [CompletionResult]::new('--bootstrap', '--bootstrap', [CompletionResultType]::ParameterName, 'DHT nodes to join, as HOST:PORT[,HOST:PORT…] [default: the public HyperDHT nodes]')
            [CompletionResult]::new('--dht-port', '--dht-port', [CompletionResultType]::ParameterName, 'Fix the local UDP port (for a forwarded port) [default: any free port]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print events as JSON lines for scripts')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'spork;man' {
            [CompletionResult]::new('--bootstrap', '--bootstrap', [CompletionResultType]::ParameterName, 'DHT nodes to join, as HOST:PORT[,HOST:PORT…] [default: the public HyperDHT nodes]')
            [CompletionResult]::new('--dht-port', '--dht-port', [CompletionResultType]::ParameterName, 'Fix the local UDP port (for a forwarded port) [default: any free port]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print events as JSON lines for scripts')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'spork;mkuser' {
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'The host''s folder [default: ~/.atek]')
            [CompletionResult]::new('--bootstrap', '--bootstrap', [CompletionResultType]::ParameterName, 'DHT nodes to join, as HOST:PORT[,HOST:PORT…] [default: the public HyperDHT nodes]')
            [CompletionResult]::new('--dht-port', '--dht-port', [CompletionResultType]::ParameterName, 'Fix the local UDP port (for a forwarded port) [default: any free port]')
            [CompletionResult]::new('--admin', '--admin', [CompletionResultType]::ParameterName, 'Make the user an admin (manages the host and every user)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print events as JSON lines for scripts')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'spork;moduser' {
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'The host''s folder [default: ~/.atek]')
            [CompletionResult]::new('--rename', '--rename', [CompletionResultType]::ParameterName, 'A new username')
            [CompletionResult]::new('--bootstrap', '--bootstrap', [CompletionResultType]::ParameterName, 'DHT nodes to join, as HOST:PORT[,HOST:PORT…] [default: the public HyperDHT nodes]')
            [CompletionResult]::new('--dht-port', '--dht-port', [CompletionResultType]::ParameterName, 'Fix the local UDP port (for a forwarded port) [default: any free port]')
            [CompletionResult]::new('--password', '--password', [CompletionResultType]::ParameterName, 'Set a new password (asked for, or read from stdin; ends the user''s sessions)')
            [CompletionResult]::new('--admin', '--admin', [CompletionResultType]::ParameterName, 'Make the user an admin')
            [CompletionResult]::new('--no-admin', '--no-admin', [CompletionResultType]::ParameterName, 'Make the user no longer an admin')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print events as JSON lines for scripts')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'spork;pair' {
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'The name to remember the host under')
            [CompletionResult]::new('--forget', '--forget', [CompletionResultType]::ParameterName, 'Forget a paired host (it still lists this device until revoked there)')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Seconds to keep trying to reach the host')
            [CompletionResult]::new('--bootstrap', '--bootstrap', [CompletionResultType]::ParameterName, 'DHT nodes to join, as HOST:PORT[,HOST:PORT…] [default: the public HyperDHT nodes]')
            [CompletionResult]::new('--dht-port', '--dht-port', [CompletionResultType]::ParameterName, 'Fix the local UDP port (for a forwarded port) [default: any free port]')
            [CompletionResult]::new('--list', '--list', [CompletionResultType]::ParameterName, 'List the paired hosts')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print events as JSON lines for scripts')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'spork;restart' {
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'The host''s folder [default: ~/.atek]')
            [CompletionResult]::new('--bootstrap', '--bootstrap', [CompletionResultType]::ParameterName, 'DHT nodes to join, as HOST:PORT[,HOST:PORT…] [default: the public HyperDHT nodes]')
            [CompletionResult]::new('--dht-port', '--dht-port', [CompletionResultType]::ParameterName, 'Fix the local UDP port (for a forwarded port) [default: any free port]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print events as JSON lines for scripts')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'spork;seed' {
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'The host''s folder [default: ~/.atek]')
            [CompletionResult]::new('--bootstrap', '--bootstrap', [CompletionResultType]::ParameterName, 'DHT nodes to join, as HOST:PORT[,HOST:PORT…] [default: the public HyperDHT nodes]')
            [CompletionResult]::new('--dht-port', '--dht-port', [CompletionResultType]::ParameterName, 'Fix the local UDP port (for a forwarded port) [default: any free port]')
            [CompletionResult]::new('--remove', '--remove', [CompletionResultType]::ParameterName, 'Stop seeding the KEYs given (their blocks stay in the store)')
            [CompletionResult]::new('--list', '--list', [CompletionResultType]::ParameterName, 'List the seeded keys with their length and disk use, and exit')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print events as JSON lines for scripts')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'spork;serve' {
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'The local port [default: a free port, printed]')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'The local port [default: a free port, printed]')
            [CompletionResult]::new('--listen', '--listen', [CompletionResultType]::ParameterName, 'The local address to listen on (widen with 0.0.0.0 to share on your network)')
            [CompletionResult]::new('-k', '-k', [CompletionResultType]::ParameterName, 'Keyfile with your identity (created 0600 if missing) [default: a fresh key]')
            [CompletionResult]::new('--keyfile', '--keyfile', [CompletionResultType]::ParameterName, 'Keyfile with your identity (created 0600 if missing) [default: a fresh key]')
            [CompletionResult]::new('--gateway-domain', '--gateway-domain', [CompletionResultType]::ParameterName, 'Print a share link https://KEY.DOMAIN/ for the gateway you run at DOMAIN')
            [CompletionResult]::new('--bootstrap', '--bootstrap', [CompletionResultType]::ParameterName, 'DHT nodes to join, as HOST:PORT[,HOST:PORT…] [default: the public HyperDHT nodes]')
            [CompletionResult]::new('--dht-port', '--dht-port', [CompletionResultType]::ParameterName, 'Fix the local UDP port (for a forwarded port) [default: any free port]')
            [CompletionResult]::new('--qr', '--qr', [CompletionResultType]::ParameterName, 'Also show the share link as a QR code (on stderr)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print events as JSON lines for scripts')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'spork;start' {
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'The host''s folder [default: ~/.atek]')
            [CompletionResult]::new('--bootstrap', '--bootstrap', [CompletionResultType]::ParameterName, 'DHT nodes to join, as HOST:PORT[,HOST:PORT…] [default: the public HyperDHT nodes]')
            [CompletionResult]::new('--dht-port', '--dht-port', [CompletionResultType]::ParameterName, 'Fix the local UDP port (for a forwarded port) [default: any free port]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print events as JSON lines for scripts')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'spork;stop' {
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'The host''s folder [default: ~/.atek]')
            [CompletionResult]::new('--bootstrap', '--bootstrap', [CompletionResultType]::ParameterName, 'DHT nodes to join, as HOST:PORT[,HOST:PORT…] [default: the public HyperDHT nodes]')
            [CompletionResult]::new('--dht-port', '--dht-port', [CompletionResultType]::ParameterName, 'Fix the local UDP port (for a forwarded port) [default: any free port]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print events as JSON lines for scripts')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'spork;uninstall' {
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'The host''s folder [default: ~/.atek]')
            [CompletionResult]::new('--bootstrap', '--bootstrap', [CompletionResultType]::ParameterName, 'DHT nodes to join, as HOST:PORT[,HOST:PORT…] [default: the public HyperDHT nodes]')
            [CompletionResult]::new('--dht-port', '--dht-port', [CompletionResultType]::ParameterName, 'Fix the local UDP port (for a forwarded port) [default: any free port]')
            [CompletionResult]::new('--purge', '--purge', [CompletionResultType]::ParameterName, 'Remove its data too')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print events as JSON lines for scripts')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'spork;update' {
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'The host''s folder [default: ~/.atek]')
            [CompletionResult]::new('--bootstrap', '--bootstrap', [CompletionResultType]::ParameterName, 'DHT nodes to join, as HOST:PORT[,HOST:PORT…] [default: the public HyperDHT nodes]')
            [CompletionResult]::new('--dht-port', '--dht-port', [CompletionResultType]::ParameterName, 'Fix the local UDP port (for a forwarded port) [default: any free port]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print events as JSON lines for scripts')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'spork;users' {
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'The host''s folder [default: ~/.atek]')
            [CompletionResult]::new('--bootstrap', '--bootstrap', [CompletionResultType]::ParameterName, 'DHT nodes to join, as HOST:PORT[,HOST:PORT…] [default: the public HyperDHT nodes]')
            [CompletionResult]::new('--dht-port', '--dht-port', [CompletionResultType]::ParameterName, 'Fix the local UDP port (for a forwarded port) [default: any free port]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print events as JSON lines for scripts')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'spork;help' {
            [CompletionResult]::new('beam', 'beam', [CompletionResultType]::ParameterValue, 'Open an encrypted pipe: stdin here → stdout there, and back.')
            [CompletionResult]::new('bind', 'bind', [CompletionResultType]::ParameterValue, 'Expose a local TCP port under a public key, or reach one through the DHT')
            [CompletionResult]::new('call', 'call', [CompletionResultType]::ParameterValue, 'Call a JSON-RPC method through the host''s gateway, as the admin')
            [CompletionResult]::new('cfg', 'cfg', [CompletionResultType]::ParameterValue, 'Show or set a service''s config (restarting it when values change)')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('connect', 'connect', [CompletionResultType]::ParameterValue, 'Reach a paired home cloud from this device: a local port tunnelled to it')
            [CompletionResult]::new('db', 'db', [CompletionResultType]::ParameterValue, 'The home cloud''s databases (ADB): list, read, write, export, follow')
            [CompletionResult]::new('deluser', 'deluser', [CompletionResultType]::ParameterValue, 'Delete a user account (and end its sessions)')
            [CompletionResult]::new('dht', 'dht', [CompletionResultType]::ParameterValue, 'Run a HyperDHT node for others: route queries, store announcements and records, relay handshakes between clients and servers')
            [CompletionResult]::new('gateway', 'gateway', [CompletionResultType]::ParameterValue, 'Reach websites served peer to peer, by key, from any browser')
            [CompletionResult]::new('get', 'get', [CompletionResultType]::ParameterValue, 'Show one service')
            [CompletionResult]::new('host', 'host', [CompletionResultType]::ParameterValue, 'Run the home cloud: services, their APIs, their websites')
            [CompletionResult]::new('install', 'install', [CompletionResultType]::ParameterValue, 'Install a service from a folder or a git URL, and start it')
            [CompletionResult]::new('key', 'key', [CompletionResultType]::ParameterValue, 'Make and inspect keypairs: a device''s identity on the DHT')
            [CompletionResult]::new('logs', 'logs', [CompletionResultType]::ParameterValue, 'Show a service''s log (what it printed, and what the host said about it)')
            [CompletionResult]::new('ls', 'ls', [CompletionResultType]::ParameterValue, 'List the services')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Print the manual page (roff) on stdout')
            [CompletionResult]::new('mkuser', 'mkuser', [CompletionResultType]::ParameterValue, 'Make a user account; the password is asked for (or read from stdin''s first line)')
            [CompletionResult]::new('moduser', 'moduser', [CompletionResultType]::ParameterValue, 'Change a user account: its name, password or role')
            [CompletionResult]::new('pair', 'pair', [CompletionResultType]::ParameterValue, 'Pair this device with a home cloud, from an invite made by `spork host invite`')
            [CompletionResult]::new('restart', 'restart', [CompletionResultType]::ParameterValue, 'Start, stop or restart a service')
            [CompletionResult]::new('seed', 'seed', [CompletionResultType]::ParameterValue, 'Keep hypercores available: download, follow live, serve to anyone')
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Serve a folder as a website, locally and peer to peer')
            [CompletionResult]::new('start', 'start', [CompletionResultType]::ParameterValue, 'Start, stop or restart a service')
            [CompletionResult]::new('stop', 'stop', [CompletionResultType]::ParameterValue, 'Start, stop or restart a service')
            [CompletionResult]::new('uninstall', 'uninstall', [CompletionResultType]::ParameterValue, 'Remove a service (its data stays unless --purge)')
            [CompletionResult]::new('update', 'update', [CompletionResultType]::ParameterValue, 'Move git services to their newest release in range (restarting them)')
            [CompletionResult]::new('users', 'users', [CompletionResultType]::ParameterValue, 'List the host''s user accounts')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'spork;help;beam' {
            break
        }
        'spork;help;bind' {
            break
        }
        'spork;help;call' {
            break
        }
        'spork;help;cfg' {
            break
        }
        'spork;help;completions' {
            break
        }
        'spork;help;connect' {
            break
        }
        'spork;help;db' {
            [CompletionResult]::new('ls', 'ls', [CompletionResultType]::ParameterValue, 'List every database (id, owner/alias, access, records'' version)')
            [CompletionResult]::new('describe', 'describe', [CompletionResultType]::ParameterValue, 'Show one database')
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Make a database for the admin (or, with --service, for a service)')
            [CompletionResult]::new('configure', 'configure', [CompletionResultType]::ParameterValue, 'Change a database''s access, alias or schemas')
            [CompletionResult]::new('get', 'get', [CompletionResultType]::ParameterValue, 'Print the value at PATH (the whole record with --json)')
            [CompletionResult]::new('put', 'put', [CompletionResultType]::ParameterValue, 'Write a JSON object at PATH (from the argument, or stdin with - or none)')
            [CompletionResult]::new('del', 'del', [CompletionResultType]::ParameterValue, 'Delete the record at PATH')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the records in a folder')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Every record under PATH as JSON lines {"path", "value"}, on stdout')
            [CompletionResult]::new('import', 'import', [CompletionResultType]::ParameterValue, 'Write JSON lines {"path", "value"} (from FILE or stdin) into a database')
            [CompletionResult]::new('follow', 'follow', [CompletionResultType]::ParameterValue, 'Follow another home''s public database, read-only and live')
            [CompletionResult]::new('unfollow', 'unfollow', [CompletionResultType]::ParameterValue, 'Stop following a database (its blocks stay in the store)')
            break
        }
        'spork;help;db;ls' {
            break
        }
        'spork;help;db;describe' {
            break
        }
        'spork;help;db;create' {
            break
        }
        'spork;help;db;configure' {
            break
        }
        'spork;help;db;get' {
            break
        }
        'spork;help;db;put' {
            break
        }
        'spork;help;db;del' {
            break
        }
        'spork;help;db;list' {
            break
        }
        'spork;help;db;export' {
            break
        }
        'spork;help;db;import' {
            break
        }
        'spork;help;db;follow' {
            break
        }
        'spork;help;db;unfollow' {
            break
        }
        'spork;help;deluser' {
            break
        }
        'spork;help;dht' {
            break
        }
        'spork;help;gateway' {
            break
        }
        'spork;help;get' {
            break
        }
        'spork;help;host' {
            [CompletionResult]::new('login-link', 'login-link', [CompletionResultType]::ParameterValue, 'Print a fresh one-time browser login link (on stderr)')
            [CompletionResult]::new('key', 'key', [CompletionResultType]::ParameterValue, 'Print the host''s public key: its address for remote access (made if new)')
            [CompletionResult]::new('invite', 'invite', [CompletionResultType]::ParameterValue, 'Make a one-time invite that pairs one device (shown once, on stderr, with a QR code); on the device: spork pair')
            [CompletionResult]::new('devices', 'devices', [CompletionResultType]::ParameterValue, 'List the paired devices, or unpair one (its open connections close at once)')
            [CompletionResult]::new('backup', 'backup', [CompletionResultType]::ParameterValue, 'Back up the running host to FILE: databases, config, services'' packages and data')
            [CompletionResult]::new('restore', 'restore', [CompletionResultType]::ParameterValue, 'Restore a backup into --dir, which must be new or empty; then `spork host` there')
            break
        }
        'spork;help;host;login-link' {
            break
        }
        'spork;help;host;key' {
            break
        }
        'spork;help;host;invite' {
            break
        }
        'spork;help;host;devices' {
            break
        }
        'spork;help;host;backup' {
            break
        }
        'spork;help;host;restore' {
            break
        }
        'spork;help;install' {
            break
        }
        'spork;help;key' {
            [CompletionResult]::new('new', 'new', [CompletionResultType]::ParameterValue, 'Create a new keypair')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print the public key of a keyfile: the address to give others')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Check a public key someone gave you and print it in spork''s form (lowercase base32)')
            break
        }
        'spork;help;key;new' {
            break
        }
        'spork;help;key;show' {
            break
        }
        'spork;help;key;check' {
            break
        }
        'spork;help;logs' {
            break
        }
        'spork;help;ls' {
            break
        }
        'spork;help;man' {
            break
        }
        'spork;help;mkuser' {
            break
        }
        'spork;help;moduser' {
            break
        }
        'spork;help;pair' {
            break
        }
        'spork;help;restart' {
            break
        }
        'spork;help;seed' {
            break
        }
        'spork;help;serve' {
            break
        }
        'spork;help;start' {
            break
        }
        'spork;help;stop' {
            break
        }
        'spork;help;uninstall' {
            break
        }
        'spork;help;update' {
            break
        }
        'spork;help;users' {
            break
        }
        'spork;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
