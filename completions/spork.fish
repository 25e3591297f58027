# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_spork_global_optspecs
    string join \n bootstrap= dht-port= json v/verbose h/help V/version
end

function __fish_spork_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_spork_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_spork_using_subcommand
    set -l cmd (__fish_spork_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c spork -n "__fish_spork_needs_command" -l bootstrap -d 'DHT nodes to join, as HOST:PORT[,HOST:PORT…] [default: the public HyperDHT nodes]' -r
complete -c spork -n "__fish_spork_needs_command" -l dht-port -d 'Fix the local UDP port (for a forwarded port) [default: any free port]' -r
complete -c spork -n "__fish_spork_needs_command" -l json -d 'Print events as JSON lines for scripts'
complete -c spork -n "__fish_spork_needs_command" -s v -l verbose -d 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
complete -c spork -n "__fish_spork_needs_command" -s h -l help -d 'Print help'
complete -c spork -n "__fish_spork_needs_command" -s V -l version -d 'Print version'
complete -c spork -n "__fish_spork_needs_command" -f -a "beam" -d 'Open an encrypted pipe: stdin here → stdout there, and back.'
complete -c spork -n "__fish_spork_needs_command" -f -a "bind" -d 'Expose a local TCP port under a public key, or reach one through the DHT'
complete -c spork -n "__fish_spork_needs_command" -f -a "completions" -d 'Print a shell completion script'
complete -c spork -n "__fish_spork_needs_command" -f -a "dht" -d 'Run a HyperDHT node for others: route queries, store announcements and records, relay handshakes between clients and servers'
complete -c spork -n "__fish_spork_needs_command" -f -a "gateway" -d 'Reach websites served peer to peer, by key, from any browser'
complete -c spork -n "__fish_spork_needs_command" -f -a "key" -d 'Make and inspect keypairs: a device\'s identity on the DHT'
complete -c spork -n "__fish_spork_needs_command" -f -a "man" -d 'Print the manual page (roff) on stdout'
complete -c spork -n "__fish_spork_needs_command" -f -a "serve" -d 'Serve a folder as a website, locally and peer to peer'
complete -c spork -n "__fish_spork_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c spork -n "__fish_spork_using_subcommand beam" -l timeout -d 'Give up if the other side has not connected after SECS [default: wait forever]' -r
complete -c spork -n "__fish_spork_using_subcommand beam" -l bootstrap -d 'DHT nodes to join, as HOST:PORT[,HOST:PORT…] [default: the public HyperDHT nodes]' -r
complete -c spork -n "__fish_spork_using_subcommand beam" -l dht-port -d 'Fix the local UDP port (for a forwarded port) [default: any free port]' -r
complete -c spork -n "__fish_spork_using_subcommand beam" -s r -l reuse -d 'Wait for the other side even though a passphrase is given (restart the waiting side with the same passphrase)'
complete -c spork -n "__fish_spork_using_subcommand beam" -l qr -d 'Also show the passphrase as a QR code (on stderr)'
complete -c spork -n "__fish_spork_using_subcommand beam" -l json -d 'Print events as JSON lines for scripts'
complete -c spork -n "__fish_spork_using_subcommand beam" -s v -l verbose -d 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
complete -c spork -n "__fish_spork_using_subcommand beam" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c spork -n "__fish_spork_using_subcommand beam" -s V -l version -d 'Print version'
complete -c spork -n "__fish_spork_using_subcommand bind" -s p -l port -d 'Reverse: the local port to expose (required). Forward: the local port to listen on [default: a free port, printed]' -r
complete -c spork -n "__fish_spork_using_subcommand bind" -l host -d 'Reverse: the host the local port is on' -r
complete -c spork -n "__fish_spork_using_subcommand bind" -l listen -d 'Forward: the address to listen on (widen with 0.0.0.0 to share on your network)' -r
complete -c spork -n "__fish_spork_using_subcommand bind" -s k -l keyfile -d 'Keyfile with your identity (created 0600 if missing) [default: a fresh key]' -r -F
complete -c spork -n "__fish_spork_using_subcommand bind" -l allow -d 'Reverse: only let this client key in (repeatable) [default: everyone]' -r
complete -c spork -n "__fish_spork_using_subcommand bind" -l connect-timeout -d 'Forward: how long to keep retrying an unreachable peer for one connection' -r
complete -c spork -n "__fish_spork_using_subcommand bind" -l gateway-domain -d 'Print a share link https://KEY.DOMAIN/ for the gateway you run at DOMAIN' -r
complete -c spork -n "__fish_spork_using_subcommand bind" -l bootstrap -d 'DHT nodes to join, as HOST:PORT[,HOST:PORT…] [default: the public HyperDHT nodes]' -r
complete -c spork -n "__fish_spork_using_subcommand bind" -l dht-port -d 'Fix the local UDP port (for a forwarded port) [default: any free port]' -r
complete -c spork -n "__fish_spork_using_subcommand bind" -l json -d 'Print events as JSON lines for scripts'
complete -c spork -n "__fish_spork_using_subcommand bind" -s v -l verbose -d 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
complete -c spork -n "__fish_spork_using_subcommand bind" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c spork -n "__fish_spork_using_subcommand bind" -s V -l version -d 'Print version'
complete -c spork -n "__fish_spork_using_subcommand completions" -l bootstrap -d 'DHT nodes to join, as HOST:PORT[,HOST:PORT…] [default: the public HyperDHT nodes]' -r
complete -c spork -n "__fish_spork_using_subcommand completions" -l dht-port -d 'Fix the local UDP port (for a forwarded port) [default: any free port]' -r
complete -c spork -n "__fish_spork_using_subcommand completions" -l json -d 'Print events as JSON lines for scripts'
complete -c spork -n "__fish_spork_using_subcommand completions" -s v -l verbose -d 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
complete -c spork -n "__fish_spork_using_subcommand completions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c spork -n "__fish_spork_using_subcommand completions" -s V -l version -d 'Print version'
complete -c spork -n "__fish_spork_using_subcommand dht" -l host -d 'IPv4 address to bind the UDP socket to' -r
complete -c spork -n "__fish_spork_using_subcommand dht" -l port -d 'UDP port to bind (--dht-port, if given, wins)' -r
complete -c spork -n "__fish_spork_using_subcommand dht" -l max-requests-per-ip -d 'Requests per second accepted from one IP address (bursts of twice that); loopback is exempt' -r
complete -c spork -n "__fish_spork_using_subcommand dht" -l bootstrap -d 'DHT nodes to join, as HOST:PORT[,HOST:PORT…] [default: the public HyperDHT nodes]' -r
complete -c spork -n "__fish_spork_using_subcommand dht" -l dht-port -d 'Fix the local UDP port (for a forwarded port) [default: any free port]' -r
complete -c spork -n "__fish_spork_using_subcommand dht" -l json -d 'Print events as JSON lines for scripts'
complete -c spork -n "__fish_spork_using_subcommand dht" -s v -l verbose -d 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
complete -c spork -n "__fish_spork_using_subcommand dht" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c spork -n "__fish_spork_using_subcommand dht" -s V -l version -d 'Print version'
complete -c spork -n "__fish_spork_using_subcommand gateway" -s p -l port -d 'The local port' -r
complete -c spork -n "__fish_spork_using_subcommand gateway" -l listen -d 'The address to listen on' -r
complete -c spork -n "__fish_spork_using_subcommand gateway" -l domain -d 'A domain whose subdomains are keys (repeatable) [default: localhost only]' -r
complete -c spork -n "__fish_spork_using_subcommand gateway" -l connect-timeout -d 'Seconds to reach a peer before answering 504' -r
complete -c spork -n "__fish_spork_using_subcommand gateway" -l bootstrap -d 'DHT nodes to join, as HOST:PORT[,HOST:PORT…] [default: the public HyperDHT nodes]' -r
complete -c spork -n "__fish_spork_using_subcommand gateway" -l dht-port -d 'Fix the local UDP port (for a forwarded port) [default: any free port]' -r
complete -c spork -n "__fish_spork_using_subcommand gateway" -l json -d 'Print events as JSON lines for scripts'
complete -c spork -n "__fish_spork_using_subcommand gateway" -s v -l verbose -d 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
complete -c spork -n "__fish_spork_using_subcommand gateway" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c spork -n "__fish_spork_using_subcommand gateway" -s V -l version -d 'Print version'
complete -c spork -n "__fish_spork_using_subcommand key; and not __fish_seen_subcommand_from new show check help" -l bootstrap -d 'DHT nodes to join, as HOST:PORT[,HOST:PORT…] [default: the public HyperDHT nodes]' -r
complete -c spork -n "__fish_spork_using_subcommand key; and not __fish_seen_subcommand_from new show check help" -l dht-port -d 'Fix the local UDP port (for a forwarded port) [default: any free port]' -r
complete -c spork -n "__fish_spork_using_subcommand key; and not __fish_seen_subcommand_from new show check help" -l json -d 'Print events as JSON lines for scripts'
complete -c spork -n "__fish_spork_using_subcommand key; and not __fish_seen_subcommand_from new show check help" -s v -l verbose -d 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
complete -c spork -n "__fish_spork_using_subcommand key; and not __fish_seen_subcommand_from new show check help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c spork -n "__fish_spork_using_subcommand key; and not __fish_seen_subcommand_from new show check help" -s V -l version -d 'Print version'
complete -c spork -n "__fish_spork_using_subcommand key; and not __fish_seen_subcommand_from new show check help" -f -a "new" -d 'Create a new keypair'
complete -c spork -n "__fish_spork_using_subcommand key; and not __fish_seen_subcommand_from new show check help" -f -a "show" -d 'Print the public key of a keyfile: the address to give others'
complete -c spork -n "__fish_spork_using_subcommand key; and not __fish_seen_subcommand_from new show check help" -f -a "check" -d 'Check a public key someone gave you and print it in spork\'s form (lowercase base32)'
complete -c spork -n "__fish_spork_using_subcommand key; and not __fish_seen_subcommand_from new show check help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c spork -n "__fish_spork_using_subcommand key; and __fish_seen_subcommand_from new" -s k -l keyfile -d 'Write the keypair to this new file' -r -F
complete -c spork -n "__fish_spork_using_subcommand key; and __fish_seen_subcommand_from new" -l bootstrap -d 'DHT nodes to join, as HOST:PORT[,HOST:PORT…] [default: the public HyperDHT nodes]' -r
complete -c spork -n "__fish_spork_using_subcommand key; and __fish_seen_subcommand_from new" -l dht-port -d 'Fix the local UDP port (for a forwarded port) [default: any free port]' -r
complete -c spork -n "__fish_spork_using_subcommand key; and __fish_seen_subcommand_from new" -l secret -d 'Print the new keypair, secret key included, instead of saving it'
complete -c spork -n "__fish_spork_using_subcommand key; and __fish_seen_subcommand_from new" -l json -d 'Print events as JSON lines for scripts'
complete -c spork -n "__fish_spork_using_subcommand key; and __fish_seen_subcommand_from new" -s v -l verbose -d 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
complete -c spork -n "__fish_spork_using_subcommand key; and __fish_seen_subcommand_from new" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c spork -n "__fish_spork_using_subcommand key; and __fish_seen_subcommand_from new" -s V -l version -d 'Print version'
complete -c spork -n "__fish_spork_using_subcommand key; and __fish_seen_subcommand_from show" -l bootstrap -d 'DHT nodes to join, as HOST:PORT[,HOST:PORT…] [default: the public HyperDHT nodes]' -r
complete -c spork -n "__fish_spork_using_subcommand key; and __fish_seen_subcommand_from show" -l dht-port -d 'Fix the local UDP port (for a forwarded port) [default: any free port]' -r
complete -c spork -n "__fish_spork_using_subcommand key; and __fish_seen_subcommand_from show" -l qr -d 'Also draw the public key as a QR code (on stderr)'
complete -c spork -n "__fish_spork_using_subcommand key; and __fish_seen_subcommand_from show" -l secret -d 'Print the whole keyfile, secret key included (the only way to see it)'
complete -c spork -n "__fish_spork_using_subcommand key; and __fish_seen_subcommand_from show" -l json -d 'Print events as JSON lines for scripts'
complete -c spork -n "__fish_spork_using_subcommand key; and __fish_seen_subcommand_from show" -s v -l verbose -d 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
complete -c spork -n "__fish_spork_using_subcommand key; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c spork -n "__fish_spork_using_subcommand key; and __fish_seen_subcommand_from show" -s V -l version -d 'Print version'
complete -c spork -n "__fish_spork_using_subcommand key; and __fish_seen_subcommand_from check" -l bootstrap -d 'DHT nodes to join, as HOST:PORT[,HOST:PORT…] [default: the public HyperDHT nodes]' -r
complete -c spork -n "__fish_spork_using_subcommand key; and __fish_seen_subcommand_from check" -l dht-port -d 'Fix the local UDP port (for a forwarded port) [default: any free port]' -r
complete -c spork -n "__fish_spork_using_subcommand key; and __fish_seen_subcommand_from check" -l json -d 'Print events as JSON lines for scripts'
complete -c spork -n "__fish_spork_using_subcommand key; and __fish_seen_subcommand_from check" -s v -l verbose -d 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
complete -c spork -n "__fish_spork_using_subcommand key; and __fish_seen_subcommand_from check" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c spork -n "__fish_spork_using_subcommand key; and __fish_seen_subcommand_from check" -s V -l version -d 'Print version'
complete -c spork -n "__fish_spork_using_subcommand key; and __fish_seen_subcommand_from help" -f -a "new" -d 'Create a new keypair'
complete -c spork -n "__fish_spork_using_subcommand key; and __fish_seen_subcommand_from help" -f -a "show" -d 'Print the public key of a keyfile: the address to give others'
complete -c spork -n "__fish_spork_using_subcommand key; and __fish_seen_subcommand_from help" -f -a "check" -d 'Check a public key someone gave you and print it in spork\'s form (lowercase base32)'
complete -c spork -n "__fish_spork_using_subcommand key; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c spork -n "__fish_spork_using_subcommand man" -l bootstrap -d 'DHT nodes to join, as HOST:PORT[,HOST:PORT…] [default: the public HyperDHT nodes]' -r
complete -c spork -n "__fish_spork_using_subcommand man" -l dht-port -d 'Fix the local UDP port (for a forwarded port) [default: any free port]' -r
complete -c spork -n "__fish_spork_using_subcommand man" -l json -d 'Print events as JSON lines for scripts'
complete -c spork -n "__fish_spork_using_subcommand man" -s v -l verbose -d 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
complete -c spork -n "__fish_spork_using_subcommand man" -s h -l help -d 'Print help'
complete -c spork -n "__fish_spork_using_subcommand man" -s V -l version -d 'Print version'
complete -c spork -n "__fish_spork_using_subcommand serve" -s p -l port -d 'The local port [default: a free port, printed]' -r
complete -c spork -n "__fish_spork_using_subcommand serve" -l listen -d 'The local address to listen on (widen with 0.0.0.0 to share on your network)' -r
complete -c spork -n "__fish_spork_using_subcommand serve" -s k -l keyfile -d 'Keyfile with your identity (created 0600 if missing) [default: a fresh key]' -r -F
complete -c spork -n "__fish_spork_using_subcommand serve" -l gateway-domain -d 'Print a share link https://KEY.DOMAIN/ for the gateway you run at DOMAIN' -r
complete -c spork -n "__fish_spork_using_subcommand serve" -l bootstrap -d 'DHT nodes to join, as HOST:PORT[,HOST:PORT…] [default: the public HyperDHT nodes]' -r
complete -c spork -n "__fish_spork_using_subcommand serve" -l dht-port -d 'Fix the local UDP port (for a forwarded port) [default: any free port]' -r
complete -c spork -n "__fish_spork_using_subcommand serve" -l qr -d 'Also show the share link as a QR code (on stderr)'
complete -c spork -n "__fish_spork_using_subcommand serve" -l json -d 'Print events as JSON lines for scripts'
complete -c spork -n "__fish_spork_using_subcommand serve" -s v -l verbose -d 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
complete -c spork -n "__fish_spork_using_subcommand serve" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c spork -n "__fish_spork_using_subcommand serve" -s V -l version -d 'Print version'
complete -c spork -n "__fish_spork_using_subcommand help; and not __fish_seen_subcommand_from beam bind completions dht gateway key man serve help" -f -a "beam" -d 'Open an encrypted pipe: stdin here → stdout there, and back.'
complete -c spork -n "__fish_spork_using_subcommand help; and not __fish_seen_subcommand_from beam bind completions dht gateway key man serve help" -f -a "bind" -d 'Expose a local TCP port under a public key, or reach one through the DHT'
complete -c spork -n "__fish_spork_using_subcommand help; and not __fish_seen_subcommand_from beam bind completions dht gateway key man serve help" -f -a "completions" -d 'Print a shell completion script'
complete -c spork -n "__fish_spork_using_subcommand help; and not __fish_seen_subcommand_from beam bind completions dht gateway key man serve help" -f -a "dht" -d 'Run a HyperDHT node for others: route queries, store announcements and records, relay handshakes between clients and servers'
complete -c spork -n "__fish_spork_using_subcommand help; and not __fish_seen_subcommand_from beam bind completions dht gateway key man serve help" -f -a "gateway" -d 'Reach websites served peer to peer, by key, from any browser'
complete -c spork -n "__fish_spork_using_subcommand help; and not __fish_seen_subcommand_from beam bind completions dht gateway key man serve help" -f -a "key" -d 'Make and inspect keypairs: a device\'s identity on the DHT'
complete -c spork -n "__fish_spork_using_subcommand help; and not __fish_seen_subcommand_from beam bind completions dht gateway key man serve help" -f -a "man" -d 'Print the manual page (roff) on stdout'
complete -c spork -n "__fish_spork_using_subcommand help; and not __fish_seen_subcommand_from beam bind completions dht gateway key man serve help" -f -a "serve" -d 'Serve a folder as a website, locally and peer to peer'
complete -c spork -n "__fish_spork_using_subcommand help; and not __fish_seen_subcommand_from beam bind completions dht gateway key man serve help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c spork -n "__fish_spork_using_subcommand help; and __fish_seen_subcommand_from key" -f -a "new" -d 'Create a new keypair'
complete -c spork -n "__fish_spork_using_subcommand help; and __fish_seen_subcommand_from key" -f -a "show" -d 'Print the public key of a keyfile: the address to give others'
complete -c spork -n "__fish_spork_using_subcommand help; and __fish_seen_subcommand_from key" -f -a "check" -d 'Check a public key someone gave you and print it in spork\'s form (lowercase base32)'
