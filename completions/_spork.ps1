
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
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('dht', 'dht', [CompletionResultType]::ParameterValue, 'Run a HyperDHT node for others: route queries, store announcements and records, relay handshakes between clients and servers')
            [CompletionResult]::new('gateway', 'gateway', [CompletionResultType]::ParameterValue, 'Reach websites served peer to peer, by key, from any browser')
            [CompletionResult]::new('key', 'key', [CompletionResultType]::ParameterValue, 'Make and inspect keypairs: a device''s identity on the DHT')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Print the manual page (roff) on stdout')
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Serve a folder as a website, locally and peer to peer')
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
        'spork;help' {
            [CompletionResult]::new('beam', 'beam', [CompletionResultType]::ParameterValue, 'Open an encrypted pipe: stdin here → stdout there, and back.')
            [CompletionResult]::new('bind', 'bind', [CompletionResultType]::ParameterValue, 'Expose a local TCP port under a public key, or reach one through the DHT')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('dht', 'dht', [CompletionResultType]::ParameterValue, 'Run a HyperDHT node for others: route queries, store announcements and records, relay handshakes between clients and servers')
            [CompletionResult]::new('gateway', 'gateway', [CompletionResultType]::ParameterValue, 'Reach websites served peer to peer, by key, from any browser')
            [CompletionResult]::new('key', 'key', [CompletionResultType]::ParameterValue, 'Make and inspect keypairs: a device''s identity on the DHT')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Print the manual page (roff) on stdout')
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Serve a folder as a website, locally and peer to peer')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'spork;help;beam' {
            break
        }
        'spork;help;bind' {
            break
        }
        'spork;help;completions' {
            break
        }
        'spork;help;dht' {
            break
        }
        'spork;help;gateway' {
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
        'spork;help;man' {
            break
        }
        'spork;help;serve' {
            break
        }
        'spork;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
