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
complete -c spork -n "__fish_spork_needs_command" -f -a "call" -d 'Call a JSON-RPC method through the host\'s gateway, as the admin'
complete -c spork -n "__fish_spork_needs_command" -f -a "cfg" -d 'Show or set a service\'s config (restarting it when values change)'
complete -c spork -n "__fish_spork_needs_command" -f -a "completions" -d 'Print a shell completion script'
complete -c spork -n "__fish_spork_needs_command" -f -a "connect" -d 'Reach a paired home cloud from this device: a local port tunnelled to it'
complete -c spork -n "__fish_spork_needs_command" -f -a "db" -d 'The home cloud\'s databases (ADB): list, read, write, export, follow'
complete -c spork -n "__fish_spork_needs_command" -f -a "deluser" -d 'Delete a user account (and end its sessions)'
complete -c spork -n "__fish_spork_needs_command" -f -a "dht" -d 'Run a HyperDHT node for others: route queries, store announcements and records, relay handshakes between clients and servers'
complete -c spork -n "__fish_spork_needs_command" -f -a "gateway" -d 'Reach websites served peer to peer, by key, from any browser'
complete -c spork -n "__fish_spork_needs_command" -f -a "get" -d 'Show one service'
complete -c spork -n "__fish_spork_needs_command" -f -a "host" -d 'Run the home cloud: services, their APIs, their websites'
complete -c spork -n "__fish_spork_needs_command" -f -a "install" -d 'Install a service from a folder or a git URL, and start it'
complete -c spork -n "__fish_spork_needs_command" -f -a "key" -d 'Make and inspect keypairs: a device\'s identity on the DHT'
complete -c spork -n "__fish_spork_needs_command" -f -a "logs" -d 'Show a service\'s log (what it printed, and what the host said about it)'
complete -c spork -n "__fish_spork_needs_command" -f -a "ls" -d 'List the services'
complete -c spork -n "__fish_spork_needs_command" -f -a "man" -d 'Print the manual page (roff) on stdout'
complete -c spork -n "__fish_spork_needs_command" -f -a "mkuser" -d 'Make a user account; the password is asked for (or read from stdin\'s first line)'
complete -c spork -n "__fish_spork_needs_command" -f -a "moduser" -d 'Change a user account: its name, password or role'
complete -c spork -n "__fish_spork_needs_command" -f -a "pair" -d 'Pair this device with a home cloud, from an invite made by `spork host invite`'
complete -c spork -n "__fish_spork_needs_command" -f -a "restart" -d 'Start, stop or restart a service'
complete -c spork -n "__fish_spork_needs_command" -f -a "seed" -d 'Keep hypercores available: download, follow live, serve to anyone'
complete -c spork -n "__fish_spork_needs_command" -f -a "serve" -d 'Serve a folder as a website, locally and peer to peer'
complete -c spork -n "__fish_spork_needs_command" -f -a "start" -d 'Start, stop or restart a service'
complete -c spork -n "__fish_spork_needs_command" -f -a "stop" -d 'Start, stop or restart a service'
complete -c spork -n "__fish_spork_needs_command" -f -a "uninstall" -d 'Remove a service (its data stays unless --purge)'
complete -c spork -n "__fish_spork_needs_command" -f -a "update" -d 'Move git services to their newest release in range (restarting them)'
complete -c spork -n "__fish_spork_needs_command" -f -a "users" -d 'List the host\'s user accounts'
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
complete -c spork -n "__fish_spork_using_subcommand call" -l dir -d 'The host\'s folder [default: ~/.atek]' -r -F
complete -c spork -n "__fish_spork_using_subcommand call" -l bootstrap -d 'DHT nodes to join, as HOST:PORT[,HOST:PORT…] [default: the public HyperDHT nodes]' -r
complete -c spork -n "__fish_spork_using_subcommand call" -l dht-port -d 'Fix the local UDP port (for a forwarded port) [default: any free port]' -r
complete -c spork -n "__fish_spork_using_subcommand call" -l json -d 'Print events as JSON lines for scripts'
complete -c spork -n "__fish_spork_using_subcommand call" -s v -l verbose -d 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
complete -c spork -n "__fish_spork_using_subcommand call" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c spork -n "__fish_spork_using_subcommand call" -s V -l version -d 'Print version'
complete -c spork -n "__fish_spork_using_subcommand cfg" -l dir -d 'The host\'s folder [default: ~/.atek]' -r -F
complete -c spork -n "__fish_spork_using_subcommand cfg" -l bootstrap -d 'DHT nodes to join, as HOST:PORT[,HOST:PORT…] [default: the public HyperDHT nodes]' -r
complete -c spork -n "__fish_spork_using_subcommand cfg" -l dht-port -d 'Fix the local UDP port (for a forwarded port) [default: any free port]' -r
complete -c spork -n "__fish_spork_using_subcommand cfg" -l json -d 'Print events as JSON lines for scripts'
complete -c spork -n "__fish_spork_using_subcommand cfg" -s v -l verbose -d 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
complete -c spork -n "__fish_spork_using_subcommand cfg" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c spork -n "__fish_spork_using_subcommand cfg" -s V -l version -d 'Print version'
complete -c spork -n "__fish_spork_using_subcommand completions" -l bootstrap -d 'DHT nodes to join, as HOST:PORT[,HOST:PORT…] [default: the public HyperDHT nodes]' -r
complete -c spork -n "__fish_spork_using_subcommand completions" -l dht-port -d 'Fix the local UDP port (for a forwarded port) [default: any free port]' -r
complete -c spork -n "__fish_spork_using_subcommand completions" -l json -d 'Print events as JSON lines for scripts'
complete -c spork -n "__fish_spork_using_subcommand completions" -s v -l verbose -d 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
complete -c spork -n "__fish_spork_using_subcommand completions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c spork -n "__fish_spork_using_subcommand completions" -s V -l version -d 'Print version'
complete -c spork -n "__fish_spork_using_subcommand connect" -s p -l port -d 'The local port (0: a free one) [default: 8035]' -r
complete -c spork -n "__fish_spork_using_subcommand connect" -l listen -d 'The address to listen on' -r
complete -c spork -n "__fish_spork_using_subcommand connect" -l connect-timeout -d 'Seconds to keep trying to reach the host for one connection' -r
complete -c spork -n "__fish_spork_using_subcommand connect" -l bootstrap -d 'DHT nodes to join, as HOST:PORT[,HOST:PORT…] [default: the public HyperDHT nodes]' -r
complete -c spork -n "__fish_spork_using_subcommand connect" -l dht-port -d 'Fix the local UDP port (for a forwarded port) [default: any free port]' -r
complete -c spork -n "__fish_spork_using_subcommand connect" -l json -d 'Print events as JSON lines for scripts'
complete -c spork -n "__fish_spork_using_subcommand connect" -s v -l verbose -d 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
complete -c spork -n "__fish_spork_using_subcommand connect" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c spork -n "__fish_spork_using_subcommand connect" -s V -l version -d 'Print version'
complete -c spork -n "__fish_spork_using_subcommand db; and not __fish_seen_subcommand_from ls describe create configure get put del list export import follow unfollow help" -l dir -d 'The host\'s folder [default: ~/.atek]' -r -F
complete -c spork -n "__fish_spork_using_subcommand db; and not __fish_seen_subcommand_from ls describe create configure get put del list export import follow unfollow help" -l bootstrap -d 'DHT nodes to join, as HOST:PORT[,HOST:PORT…] [default: the public HyperDHT nodes]' -r
complete -c spork -n "__fish_spork_using_subcommand db; and not __fish_seen_subcommand_from ls describe create configure get put del list export import follow unfollow help" -l dht-port -d 'Fix the local UDP port (for a forwarded port) [default: any free port]' -r
complete -c spork -n "__fish_spork_using_subcommand db; and not __fish_seen_subcommand_from ls describe create configure get put del list export import follow unfollow help" -l json -d 'Print events as JSON lines for scripts'
complete -c spork -n "__fish_spork_using_subcommand db; and not __fish_seen_subcommand_from ls describe create configure get put del list export import follow unfollow help" -s v -l verbose -d 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
complete -c spork -n "__fish_spork_using_subcommand db; and not __fish_seen_subcommand_from ls describe create configure get put del list export import follow unfollow help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c spork -n "__fish_spork_using_subcommand db; and not __fish_seen_subcommand_from ls describe create configure get put del list export import follow unfollow help" -s V -l version -d 'Print version'
complete -c spork -n "__fish_spork_using_subcommand db; and not __fish_seen_subcommand_from ls describe create configure get put del list export import follow unfollow help" -f -a "ls" -d 'List every database (id, owner/alias, access, records\' version)'
complete -c spork -n "__fish_spork_using_subcommand db; and not __fish_seen_subcommand_from ls describe create configure get put del list export import follow unfollow help" -f -a "describe" -d 'Show one database'
complete -c spork -n "__fish_spork_using_subcommand db; and not __fish_seen_subcommand_from ls describe create configure get put del list export import follow unfollow help" -f -a "create" -d 'Make a database for the admin (or, with --service, for a service)'
complete -c spork -n "__fish_spork_using_subcommand db; and not __fish_seen_subcommand_from ls describe create configure get put del list export import follow unfollow help" -f -a "configure" -d 'Change a database\'s access, alias or schemas'
complete -c spork -n "__fish_spork_using_subcommand db; and not __fish_seen_subcommand_from ls describe create configure get put del list export import follow unfollow help" -f -a "get" -d 'Print the value at PATH (the whole record with --json)'
complete -c spork -n "__fish_spork_using_subcommand db; and not __fish_seen_subcommand_from ls describe create configure get put del list export import follow unfollow help" -f -a "put" -d 'Write a JSON object at PATH (from the argument, or stdin with - or none)'
complete -c spork -n "__fish_spork_using_subcommand db; and not __fish_seen_subcommand_from ls describe create configure get put del list export import follow unfollow help" -f -a "del" -d 'Delete the record at PATH'
complete -c spork -n "__fish_spork_using_subcommand db; and not __fish_seen_subcommand_from ls describe create configure get put del list export import follow unfollow help" -f -a "list" -d 'List the records in a folder'
complete -c spork -n "__fish_spork_using_subcommand db; and not __fish_seen_subcommand_from ls describe create configure get put del list export import follow unfollow help" -f -a "export" -d 'Every record under PATH as JSON lines {"path", "value"}, on stdout'
complete -c spork -n "__fish_spork_using_subcommand db; and not __fish_seen_subcommand_from ls describe create configure get put del list export import follow unfollow help" -f -a "import" -d 'Write JSON lines {"path", "value"} (from FILE or stdin) into a database'
complete -c spork -n "__fish_spork_using_subcommand db; and not __fish_seen_subcommand_from ls describe create configure get put del list export import follow unfollow help" -f -a "follow" -d 'Follow another home\'s public database, read-only and live'
complete -c spork -n "__fish_spork_using_subcommand db; and not __fish_seen_subcommand_from ls describe create configure get put del list export import follow unfollow help" -f -a "unfollow" -d 'Stop following a database (its blocks stay in the store)'
complete -c spork -n "__fish_spork_using_subcommand db; and not __fish_seen_subcommand_from ls describe create configure get put del list export import follow unfollow help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c spork -n "__fish_spork_using_subcommand db; and __fish_seen_subcommand_from ls" -l dir -d 'The host\'s folder [default: ~/.atek]' -r -F
complete -c spork -n "__fish_spork_using_subcommand db; and __fish_seen_subcommand_from ls" -l bootstrap -d 'DHT nodes to join, as HOST:PORT[,HOST:PORT…] [default: the public HyperDHT nodes]' -r
complete -c spork -n "__fish_spork_using_subcommand db; and __fish_seen_subcommand_from ls" -l dht-port -d 'Fix the local UDP port (for a forwarded port) [default: any free port]' -r
complete -c spork -n "__fish_spork_using_subcommand db; and __fish_seen_subcommand_from ls" -l json -d 'Print events as JSON lines for scripts'
complete -c spork -n "__fish_spork_using_subcommand db; and __fish_seen_subcommand_from ls" -s v -l verbose -d 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
complete -c spork -n "__fish_spork_using_subcommand db; and __fish_seen_subcommand_from ls" -s h -l help -d 'Print help'
complete -c spork -n "__fish_spork_using_subcommand db; and __fish_seen_subcommand_from ls" -s V -l version -d 'Print version'
complete -c spork -n "__fish_spork_using_subcommand db; and __fish_seen_subcommand_from describe" -l dir -d 'The host\'s folder [default: ~/.atek]' -r -F
complete -c spork -n "__fish_spork_using_subcommand db; and __fish_seen_subcommand_from describe" -l bootstrap -d 'DHT nodes to join, as HOST:PORT[,HOST:PORT…] [default: the public HyperDHT nodes]' -r
complete -c spork -n "__fish_spork_using_subcommand db; and __fish_seen_subcommand_from describe" -l dht-port -d 'Fix the local UDP port (for a forwarded port) [default: any free port]' -r
complete -c spork -n "__fish_spork_using_subcommand db; and __fish_seen_subcommand_from describe" -l json -d 'Print events as JSON lines for scripts'
complete -c spork -n "__fish_spork_using_subcommand db; and __fish_seen_subcommand_from describe" -s v -l verbose -d 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
complete -c spork -n "__fish_spork_using_subcommand db; and __fish_seen_subcommand_from describe" -s h -l help -d 'Print help'
complete -c spork -n "__fish_spork_using_subcommand db; and __fish_seen_subcommand_from describe" -s V -l version -d 'Print version'
complete -c spork -n "__fish_spork_using_subcommand db; and __fish_seen_subcommand_from create" -l service -d 'The owning service [default: the admin\'s own, `system`]' -r
complete -c spork -n "__fish_spork_using_subcommand db; and __fish_seen_subcommand_from create" -l dir -d 'The host\'s folder [default: ~/.atek]' -r -F
complete -c spork -n "__fish_spork_using_subcommand db; and __fish_seen_subcommand_from create" -l bootstrap -d 'DHT nodes to join, as HOST:PORT[,HOST:PORT…] [default: the public HyperDHT nodes]' -r
complete -c spork -n "__fish_spork_using_subcommand db; and __fish_seen_subcommand_from create" -l dht-port -d 'Fix the local UDP port (for a forwarded port) [default: any free port]' -r
complete -c spork -n "__fish_spork_using_subcommand db; and __fish_seen_subcommand_from create" -l public -d 'Share it with other homes (announced on the swarm; any service may read it)'
complete -c spork -n "__fish_spork_using_subcommand db; and __fish_seen_subcommand_from create" -l json -d 'Print events as JSON lines for scripts'
complete -c spork -n "__fish_spork_using_subcommand db; and __fish_seen_subcommand_from create" -s v -l verbose -d 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
complete -c spork -n "__fish_spork_using_subcommand db; and __fish_seen_subcommand_from create" -s h -l help -d 'Print help'
complete -c spork -n "__fish_spork_using_subcommand db; and __fish_seen_subcommand_from create" -s V -l version -d 'Print version'
complete -c spork -n "__fish_spork_using_subcommand db; and __fish_seen_subcommand_from configure" -l access -d 'private or public' -r
complete -c spork -n "__fish_spork_using_subcommand db; and __fish_seen_subcommand_from configure" -l alias -d 'A new alias ("" removes it)' -r
complete -c spork -n "__fish_spork_using_subcommand db; and __fish_seen_subcommand_from configure" -l schema -d 'Records under PREFIX must meet the JSON Schema in FILE: PREFIX=FILE' -r
complete -c spork -n "__fish_spork_using_subcommand db; and __fish_seen_subcommand_from configure" -l no-schema -d 'Drop the schema of PREFIX' -r
complete -c spork -n "__fish_spork_using_subcommand db; and __fish_seen_subcommand_from configure" -l dir -d 'The host\'s folder [default: ~/.atek]' -r -F
complete -c spork -n "__fish_spork_using_subcommand db; and __fish_seen_subcommand_from configure" -l bootstrap -d 'DHT nodes to join, as HOST:PORT[,HOST:PORT…] [default: the public HyperDHT nodes]' -r
complete -c spork -n "__fish_spork_using_subcommand db; and __fish_seen_subcommand_from configure" -l dht-port -d 'Fix the local UDP port (for a forwarded port) [default: any free port]' -r
complete -c spork -n "__fish_spork_using_subcommand db; and __fish_seen_subcommand_from configure" -l json -d 'Print events as JSON lines for scripts'
complete -c spork -n "__fish_spork_using_subcommand db; and __fish_seen_subcommand_from configure" -s v -l verbose -d 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
complete -c spork -n "__fish_spork_using_subcommand db; and __fish_seen_subcommand_from configure" -s h -l help -d 'Print help'
complete -c spork -n "__fish_spork_using_subcommand db; and __fish_seen_subcommand_from configure" -s V -l version -d 'Print version'
complete -c spork -n "__fish_spork_using_subcommand db; and __fish_seen_subcommand_from get" -l dir -d 'The host\'s folder [default: ~/.atek]' -r -F
complete -c spork -n "__fish_spork_using_subcommand db; and __fish_seen_subcommand_from get" -l bootstrap -d 'DHT nodes to join, as HOST:PORT[,HOST:PORT…] [default: the public HyperDHT nodes]' -r
complete -c spork -n "__fish_spork_using_subcommand db; and __fish_seen_subcommand_from get" -l dht-port -d 'Fix the local UDP port (for a forwarded port) [default: any free port]' -r
complete -c spork -n "__fish_spork_using_subcommand db; and __fish_seen_subcommand_from get" -l json -d 'Print events as JSON lines for scripts'
complete -c spork -n "__fish_spork_using_subcommand db; and __fish_seen_subcommand_from get" -s v -l verbose -d 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
complete -c spork -n "__fish_spork_using_subcommand db; and __fish_seen_subcommand_from get" -s h -l help -d 'Print help'
complete -c spork -n "__fish_spork_using_subcommand db; and __fish_seen_subcommand_from get" -s V -l version -d 'Print version'
complete -c spork -n "__fish_spork_using_subcommand db; and __fish_seen_subcommand_from put" -l dir -d 'The host\'s folder [default: ~/.atek]' -r -F
complete -c spork -n "__fish_spork_using_subcommand db; and __fish_seen_subcommand_from put" -l bootstrap -d 'DHT nodes to join, as HOST:PORT[,HOST:PORT…] [default: the public HyperDHT nodes]' -r
complete -c spork -n "__fish_spork_using_subcommand db; and __fish_seen_subcommand_from put" -l dht-port -d 'Fix the local UDP port (for a forwarded port) [default: any free port]' -r
complete -c spork -n "__fish_spork_using_subcommand db; and __fish_seen_subcommand_from put" -l json -d 'Print events as JSON lines for scripts'
complete -c spork -n "__fish_spork_using_subcommand db; and __fish_seen_subcommand_from put" -s v -l verbose -d 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
complete -c spork -n "__fish_spork_using_subcommand db; and __fish_seen_subcommand_from put" -s h -l help -d 'Print help'
complete -c spork -n "__fish_spork_using_subcommand db; and __fish_seen_subcommand_from put" -s V -l version -d 'Print version'
complete -c spork -n "__fish_spork_using_subcommand db; and __fish_seen_subcommand_from del" -l dir -d 'The host\'s folder [default: ~/.atek]' -r -F
complete -c spork -n "__fish_spork_using_subcommand db; and __fish_seen_subcommand_from del" -l bootstrap -d 'DHT nodes to join, as HOST:PORT[,HOST:PORT…] [default: the public HyperDHT nodes]' -r
complete -c spork -n "__fish_spork_using_subcommand db; and __fish_seen_subcommand_from del" -l dht-port -d 'Fix the local UDP port (for a forwarded port) [default: any free port]' -r
complete -c spork -n "__fish_spork_using_subcommand db; and __fish_seen_subcommand_from del" -l json -d 'Print events as JSON lines for scripts'
complete -c spork -n "__fish_spork_using_subcommand db; and __fish_seen_subcommand_from del" -s v -l verbose -d 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
complete -c spork -n "__fish_spork_using_subcommand db; and __fish_seen_subcommand_from del" -s h -l help -d 'Print help'
complete -c spork -n "__fish_spork_using_subcommand db; and __fish_seen_subcommand_from del" -s V -l version -d 'Print version'
complete -c spork -n "__fish_spork_using_subcommand db; and __fish_seen_subcommand_from list" -l gt -d 'Keys after this' -r
complete -c spork -n "__fish_spork_using_subcommand db; and __fish_seen_subcommand_from list" -l lt -d 'Keys before this' -r
complete -c spork -n "__fish_spork_using_subcommand db; and __fish_seen_subcommand_from list" -l limit -d 'At most N records' -r
complete -c spork -n "__fish_spork_using_subcommand db; and __fish_seen_subcommand_from list" -l dir -d 'The host\'s folder [default: ~/.atek]' -r -F
complete -c spork -n "__fish_spork_using_subcommand db; and __fish_seen_subcommand_from list" -l bootstrap -d 'DHT nodes to join, as HOST:PORT[,HOST:PORT…] [default: the public HyperDHT nodes]' -r
complete -c spork -n "__fish_spork_using_subcommand db; and __fish_seen_subcommand_from list" -l dht-port -d 'Fix the local UDP port (for a forwarded port) [default: any free port]' -r
complete -c spork -n "__fish_spork_using_subcommand db; and __fish_seen_subcommand_from list" -l reverse -d 'Largest key first'
complete -c spork -n "__fish_spork_using_subcommand db; and __fish_seen_subcommand_from list" -s r -l recursive -d 'Deeper folders too'
complete -c spork -n "__fish_spork_using_subcommand db; and __fish_seen_subcommand_from list" -l json -d 'Print events as JSON lines for scripts'
complete -c spork -n "__fish_spork_using_subcommand db; and __fish_seen_subcommand_from list" -s v -l verbose -d 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
complete -c spork -n "__fish_spork_using_subcommand db; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c spork -n "__fish_spork_using_subcommand db; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c spork -n "__fish_spork_using_subcommand db; and __fish_seen_subcommand_from export" -l dir -d 'The host\'s folder [default: ~/.atek]' -r -F
complete -c spork -n "__fish_spork_using_subcommand db; and __fish_seen_subcommand_from export" -l bootstrap -d 'DHT nodes to join, as HOST:PORT[,HOST:PORT…] [default: the public HyperDHT nodes]' -r
complete -c spork -n "__fish_spork_using_subcommand db; and __fish_seen_subcommand_from export" -l dht-port -d 'Fix the local UDP port (for a forwarded port) [default: any free port]' -r
complete -c spork -n "__fish_spork_using_subcommand db; and __fish_seen_subcommand_from export" -l json -d 'Print events as JSON lines for scripts'
complete -c spork -n "__fish_spork_using_subcommand db; and __fish_seen_subcommand_from export" -s v -l verbose -d 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
complete -c spork -n "__fish_spork_using_subcommand db; and __fish_seen_subcommand_from export" -s h -l help -d 'Print help'
complete -c spork -n "__fish_spork_using_subcommand db; and __fish_seen_subcommand_from export" -s V -l version -d 'Print version'
complete -c spork -n "__fish_spork_using_subcommand db; and __fish_seen_subcommand_from import" -l dir -d 'The host\'s folder [default: ~/.atek]' -r -F
complete -c spork -n "__fish_spork_using_subcommand db; and __fish_seen_subcommand_from import" -l bootstrap -d 'DHT nodes to join, as HOST:PORT[,HOST:PORT…] [default: the public HyperDHT nodes]' -r
complete -c spork -n "__fish_spork_using_subcommand db; and __fish_seen_subcommand_from import" -l dht-port -d 'Fix the local UDP port (for a forwarded port) [default: any free port]' -r
complete -c spork -n "__fish_spork_using_subcommand db; and __fish_seen_subcommand_from import" -l json -d 'Print events as JSON lines for scripts'
complete -c spork -n "__fish_spork_using_subcommand db; and __fish_seen_subcommand_from import" -s v -l verbose -d 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
complete -c spork -n "__fish_spork_using_subcommand db; and __fish_seen_subcommand_from import" -s h -l help -d 'Print help'
complete -c spork -n "__fish_spork_using_subcommand db; and __fish_seen_subcommand_from import" -s V -l version -d 'Print version'
complete -c spork -n "__fish_spork_using_subcommand db; and __fish_seen_subcommand_from follow" -l dir -d 'The host\'s folder [default: ~/.atek]' -r -F
complete -c spork -n "__fish_spork_using_subcommand db; and __fish_seen_subcommand_from follow" -l bootstrap -d 'DHT nodes to join, as HOST:PORT[,HOST:PORT…] [default: the public HyperDHT nodes]' -r
complete -c spork -n "__fish_spork_using_subcommand db; and __fish_seen_subcommand_from follow" -l dht-port -d 'Fix the local UDP port (for a forwarded port) [default: any free port]' -r
complete -c spork -n "__fish_spork_using_subcommand db; and __fish_seen_subcommand_from follow" -l json -d 'Print events as JSON lines for scripts'
complete -c spork -n "__fish_spork_using_subcommand db; and __fish_seen_subcommand_from follow" -s v -l verbose -d 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
complete -c spork -n "__fish_spork_using_subcommand db; and __fish_seen_subcommand_from follow" -s h -l help -d 'Print help'
complete -c spork -n "__fish_spork_using_subcommand db; and __fish_seen_subcommand_from follow" -s V -l version -d 'Print version'
complete -c spork -n "__fish_spork_using_subcommand db; and __fish_seen_subcommand_from unfollow" -l dir -d 'The host\'s folder [default: ~/.atek]' -r -F
complete -c spork -n "__fish_spork_using_subcommand db; and __fish_seen_subcommand_from unfollow" -l bootstrap -d 'DHT nodes to join, as HOST:PORT[,HOST:PORT…] [default: the public HyperDHT nodes]' -r
complete -c spork -n "__fish_spork_using_subcommand db; and __fish_seen_subcommand_from unfollow" -l dht-port -d 'Fix the local UDP port (for a forwarded port) [default: any free port]' -r
complete -c spork -n "__fish_spork_using_subcommand db; and __fish_seen_subcommand_from unfollow" -l json -d 'Print events as JSON lines for scripts'
complete -c spork -n "__fish_spork_using_subcommand db; and __fish_seen_subcommand_from unfollow" -s v -l verbose -d 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
complete -c spork -n "__fish_spork_using_subcommand db; and __fish_seen_subcommand_from unfollow" -s h -l help -d 'Print help'
complete -c spork -n "__fish_spork_using_subcommand db; and __fish_seen_subcommand_from unfollow" -s V -l version -d 'Print version'
complete -c spork -n "__fish_spork_using_subcommand db; and __fish_seen_subcommand_from help" -f -a "ls" -d 'List every database (id, owner/alias, access, records\' version)'
complete -c spork -n "__fish_spork_using_subcommand db; and __fish_seen_subcommand_from help" -f -a "describe" -d 'Show one database'
complete -c spork -n "__fish_spork_using_subcommand db; and __fish_seen_subcommand_from help" -f -a "create" -d 'Make a database for the admin (or, with --service, for a service)'
complete -c spork -n "__fish_spork_using_subcommand db; and __fish_seen_subcommand_from help" -f -a "configure" -d 'Change a database\'s access, alias or schemas'
complete -c spork -n "__fish_spork_using_subcommand db; and __fish_seen_subcommand_from help" -f -a "get" -d 'Print the value at PATH (the whole record with --json)'
complete -c spork -n "__fish_spork_using_subcommand db; and __fish_seen_subcommand_from help" -f -a "put" -d 'Write a JSON object at PATH (from the argument, or stdin with - or none)'
complete -c spork -n "__fish_spork_using_subcommand db; and __fish_seen_subcommand_from help" -f -a "del" -d 'Delete the record at PATH'
complete -c spork -n "__fish_spork_using_subcommand db; and __fish_seen_subcommand_from help" -f -a "list" -d 'List the records in a folder'
complete -c spork -n "__fish_spork_using_subcommand db; and __fish_seen_subcommand_from help" -f -a "export" -d 'Every record under PATH as JSON lines {"path", "value"}, on stdout'
complete -c spork -n "__fish_spork_using_subcommand db; and __fish_seen_subcommand_from help" -f -a "import" -d 'Write JSON lines {"path", "value"} (from FILE or stdin) into a database'
complete -c spork -n "__fish_spork_using_subcommand db; and __fish_seen_subcommand_from help" -f -a "follow" -d 'Follow another home\'s public database, read-only and live'
complete -c spork -n "__fish_spork_using_subcommand db; and __fish_seen_subcommand_from help" -f -a "unfollow" -d 'Stop following a database (its blocks stay in the store)'
complete -c spork -n "__fish_spork_using_subcommand db; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c spork -n "__fish_spork_using_subcommand deluser" -l dir -d 'The host\'s folder [default: ~/.atek]' -r -F
complete -c spork -n "__fish_spork_using_subcommand deluser" -l bootstrap -d 'DHT nodes to join, as HOST:PORT[,HOST:PORT…] [default: the public HyperDHT nodes]' -r
complete -c spork -n "__fish_spork_using_subcommand deluser" -l dht-port -d 'Fix the local UDP port (for a forwarded port) [default: any free port]' -r
complete -c spork -n "__fish_spork_using_subcommand deluser" -l json -d 'Print events as JSON lines for scripts'
complete -c spork -n "__fish_spork_using_subcommand deluser" -s v -l verbose -d 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
complete -c spork -n "__fish_spork_using_subcommand deluser" -s h -l help -d 'Print help'
complete -c spork -n "__fish_spork_using_subcommand deluser" -s V -l version -d 'Print version'
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
complete -c spork -n "__fish_spork_using_subcommand get" -l dir -d 'The host\'s folder [default: ~/.atek]' -r -F
complete -c spork -n "__fish_spork_using_subcommand get" -l bootstrap -d 'DHT nodes to join, as HOST:PORT[,HOST:PORT…] [default: the public HyperDHT nodes]' -r
complete -c spork -n "__fish_spork_using_subcommand get" -l dht-port -d 'Fix the local UDP port (for a forwarded port) [default: any free port]' -r
complete -c spork -n "__fish_spork_using_subcommand get" -l json -d 'Print events as JSON lines for scripts'
complete -c spork -n "__fish_spork_using_subcommand get" -s v -l verbose -d 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
complete -c spork -n "__fish_spork_using_subcommand get" -s h -l help -d 'Print help'
complete -c spork -n "__fish_spork_using_subcommand get" -s V -l version -d 'Print version'
complete -c spork -n "__fish_spork_using_subcommand host; and not __fish_seen_subcommand_from login-link key invite devices backup restore help" -l dir -d 'The host\'s folder [default: ~/.atek]' -r -F
complete -c spork -n "__fish_spork_using_subcommand host; and not __fish_seen_subcommand_from login-link key invite devices backup restore help" -s p -l port -d 'The HTTP port (0: a free one, printed) [default: config.json\'s, else 2835]' -r
complete -c spork -n "__fish_spork_using_subcommand host; and not __fish_seen_subcommand_from login-link key invite devices backup restore help" -l listen -d 'The address to listen on (widen with 0.0.0.0 to share on your network)' -r
complete -c spork -n "__fish_spork_using_subcommand host; and not __fish_seen_subcommand_from login-link key invite devices backup restore help" -l ready-timeout -d 'Seconds a service has to answer its health request before it is `failed`' -r
complete -c spork -n "__fish_spork_using_subcommand host; and not __fish_seen_subcommand_from login-link key invite devices backup restore help" -l stop-timeout -d 'Seconds a stopping service has between SIGTERM and SIGKILL' -r
complete -c spork -n "__fish_spork_using_subcommand host; and not __fish_seen_subcommand_from login-link key invite devices backup restore help" -l call-timeout -d 'Seconds a JSON-RPC call through the gateway may take' -r
complete -c spork -n "__fish_spork_using_subcommand host; and not __fish_seen_subcommand_from login-link key invite devices backup restore help" -l update-check -d 'How often git services are checked for a newer release (e.g. 24h, 30m, 90s)' -r
complete -c spork -n "__fish_spork_using_subcommand host; and not __fish_seen_subcommand_from login-link key invite devices backup restore help" -l session-idle -d 'How long a browser session lasts unused before it asks to sign in again' -r
complete -c spork -n "__fish_spork_using_subcommand host; and not __fish_seen_subcommand_from login-link key invite devices backup restore help" -l session-max -d 'How long a browser session lasts at most, used or not' -r
complete -c spork -n "__fish_spork_using_subcommand host; and not __fish_seen_subcommand_from login-link key invite devices backup restore help" -l remote -d 'Who may reach the host over the DHT: `paired` devices only, or `public` (any key; signing in is then the only lock)' -r -f -a "paired\t''
public\t''"
complete -c spork -n "__fish_spork_using_subcommand host; and not __fish_seen_subcommand_from login-link key invite devices backup restore help" -l bootstrap -d 'DHT nodes to join, as HOST:PORT[,HOST:PORT…] [default: the public HyperDHT nodes]' -r
complete -c spork -n "__fish_spork_using_subcommand host; and not __fish_seen_subcommand_from login-link key invite devices backup restore help" -l dht-port -d 'Fix the local UDP port (for a forwarded port) [default: any free port]' -r
complete -c spork -n "__fish_spork_using_subcommand host; and not __fish_seen_subcommand_from login-link key invite devices backup restore help" -l unsafe-no-sandbox -d 'Run services without a sandbox (each can then read and change all your files)'
complete -c spork -n "__fish_spork_using_subcommand host; and not __fish_seen_subcommand_from login-link key invite devices backup restore help" -l no-remote -d 'Do not listen on the DHT: no remote access at all'
complete -c spork -n "__fish_spork_using_subcommand host; and not __fish_seen_subcommand_from login-link key invite devices backup restore help" -l json -d 'Print events as JSON lines for scripts'
complete -c spork -n "__fish_spork_using_subcommand host; and not __fish_seen_subcommand_from login-link key invite devices backup restore help" -s v -l verbose -d 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
complete -c spork -n "__fish_spork_using_subcommand host; and not __fish_seen_subcommand_from login-link key invite devices backup restore help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c spork -n "__fish_spork_using_subcommand host; and not __fish_seen_subcommand_from login-link key invite devices backup restore help" -s V -l version -d 'Print version'
complete -c spork -n "__fish_spork_using_subcommand host; and not __fish_seen_subcommand_from login-link key invite devices backup restore help" -f -a "login-link" -d 'Print a fresh one-time browser login link (on stderr)'
complete -c spork -n "__fish_spork_using_subcommand host; and not __fish_seen_subcommand_from login-link key invite devices backup restore help" -f -a "key" -d 'Print the host\'s public key: its address for remote access (made if new)'
complete -c spork -n "__fish_spork_using_subcommand host; and not __fish_seen_subcommand_from login-link key invite devices backup restore help" -f -a "invite" -d 'Make a one-time invite that pairs one device (shown once, on stderr, with a QR code); on the device: spork pair'
complete -c spork -n "__fish_spork_using_subcommand host; and not __fish_seen_subcommand_from login-link key invite devices backup restore help" -f -a "devices" -d 'List the paired devices, or unpair one (its open connections close at once)'
complete -c spork -n "__fish_spork_using_subcommand host; and not __fish_seen_subcommand_from login-link key invite devices backup restore help" -f -a "backup" -d 'Back up the running host to FILE: databases, config, services\' packages and data'
complete -c spork -n "__fish_spork_using_subcommand host; and not __fish_seen_subcommand_from login-link key invite devices backup restore help" -f -a "restore" -d 'Restore a backup into --dir, which must be new or empty; then `spork host` there'
complete -c spork -n "__fish_spork_using_subcommand host; and not __fish_seen_subcommand_from login-link key invite devices backup restore help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c spork -n "__fish_spork_using_subcommand host; and __fish_seen_subcommand_from login-link" -l dir -d 'The host\'s folder [default: ~/.atek]' -r -F
complete -c spork -n "__fish_spork_using_subcommand host; and __fish_seen_subcommand_from login-link" -l bootstrap -d 'DHT nodes to join, as HOST:PORT[,HOST:PORT…] [default: the public HyperDHT nodes]' -r
complete -c spork -n "__fish_spork_using_subcommand host; and __fish_seen_subcommand_from login-link" -l dht-port -d 'Fix the local UDP port (for a forwarded port) [default: any free port]' -r
complete -c spork -n "__fish_spork_using_subcommand host; and __fish_seen_subcommand_from login-link" -l json -d 'Print events as JSON lines for scripts'
complete -c spork -n "__fish_spork_using_subcommand host; and __fish_seen_subcommand_from login-link" -s v -l verbose -d 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
complete -c spork -n "__fish_spork_using_subcommand host; and __fish_seen_subcommand_from login-link" -s h -l help -d 'Print help'
complete -c spork -n "__fish_spork_using_subcommand host; and __fish_seen_subcommand_from login-link" -s V -l version -d 'Print version'
complete -c spork -n "__fish_spork_using_subcommand host; and __fish_seen_subcommand_from key" -l dir -d 'The host\'s folder [default: ~/.atek]' -r -F
complete -c spork -n "__fish_spork_using_subcommand host; and __fish_seen_subcommand_from key" -l bootstrap -d 'DHT nodes to join, as HOST:PORT[,HOST:PORT…] [default: the public HyperDHT nodes]' -r
complete -c spork -n "__fish_spork_using_subcommand host; and __fish_seen_subcommand_from key" -l dht-port -d 'Fix the local UDP port (for a forwarded port) [default: any free port]' -r
complete -c spork -n "__fish_spork_using_subcommand host; and __fish_seen_subcommand_from key" -l json -d 'Print events as JSON lines for scripts'
complete -c spork -n "__fish_spork_using_subcommand host; and __fish_seen_subcommand_from key" -s v -l verbose -d 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
complete -c spork -n "__fish_spork_using_subcommand host; and __fish_seen_subcommand_from key" -s h -l help -d 'Print help'
complete -c spork -n "__fish_spork_using_subcommand host; and __fish_seen_subcommand_from key" -s V -l version -d 'Print version'
complete -c spork -n "__fish_spork_using_subcommand host; and __fish_seen_subcommand_from invite" -l name -d 'The device\'s name on this host [default: device-N]' -r
complete -c spork -n "__fish_spork_using_subcommand host; and __fish_seen_subcommand_from invite" -l expires -d 'How long the invite lasts (e.g. 10m, 1h)' -r
complete -c spork -n "__fish_spork_using_subcommand host; and __fish_seen_subcommand_from invite" -l dir -d 'The host\'s folder [default: ~/.atek]' -r -F
complete -c spork -n "__fish_spork_using_subcommand host; and __fish_seen_subcommand_from invite" -l bootstrap -d 'DHT nodes to join, as HOST:PORT[,HOST:PORT…] [default: the public HyperDHT nodes]' -r
complete -c spork -n "__fish_spork_using_subcommand host; and __fish_seen_subcommand_from invite" -l dht-port -d 'Fix the local UDP port (for a forwarded port) [default: any free port]' -r
complete -c spork -n "__fish_spork_using_subcommand host; and __fish_seen_subcommand_from invite" -l json -d 'Print events as JSON lines for scripts'
complete -c spork -n "__fish_spork_using_subcommand host; and __fish_seen_subcommand_from invite" -s v -l verbose -d 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
complete -c spork -n "__fish_spork_using_subcommand host; and __fish_seen_subcommand_from invite" -s h -l help -d 'Print help'
complete -c spork -n "__fish_spork_using_subcommand host; and __fish_seen_subcommand_from invite" -s V -l version -d 'Print version'
complete -c spork -n "__fish_spork_using_subcommand host; and __fish_seen_subcommand_from devices" -l revoke -d 'Unpair this device' -r
complete -c spork -n "__fish_spork_using_subcommand host; and __fish_seen_subcommand_from devices" -l dir -d 'The host\'s folder [default: ~/.atek]' -r -F
complete -c spork -n "__fish_spork_using_subcommand host; and __fish_seen_subcommand_from devices" -l bootstrap -d 'DHT nodes to join, as HOST:PORT[,HOST:PORT…] [default: the public HyperDHT nodes]' -r
complete -c spork -n "__fish_spork_using_subcommand host; and __fish_seen_subcommand_from devices" -l dht-port -d 'Fix the local UDP port (for a forwarded port) [default: any free port]' -r
complete -c spork -n "__fish_spork_using_subcommand host; and __fish_seen_subcommand_from devices" -l json -d 'Print events as JSON lines for scripts'
complete -c spork -n "__fish_spork_using_subcommand host; and __fish_seen_subcommand_from devices" -s v -l verbose -d 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
complete -c spork -n "__fish_spork_using_subcommand host; and __fish_seen_subcommand_from devices" -s h -l help -d 'Print help'
complete -c spork -n "__fish_spork_using_subcommand host; and __fish_seen_subcommand_from devices" -s V -l version -d 'Print version'
complete -c spork -n "__fish_spork_using_subcommand host; and __fish_seen_subcommand_from backup" -l dir -d 'The host\'s folder [default: ~/.atek]' -r -F
complete -c spork -n "__fish_spork_using_subcommand host; and __fish_seen_subcommand_from backup" -l bootstrap -d 'DHT nodes to join, as HOST:PORT[,HOST:PORT…] [default: the public HyperDHT nodes]' -r
complete -c spork -n "__fish_spork_using_subcommand host; and __fish_seen_subcommand_from backup" -l dht-port -d 'Fix the local UDP port (for a forwarded port) [default: any free port]' -r
complete -c spork -n "__fish_spork_using_subcommand host; and __fish_seen_subcommand_from backup" -l secrets -d 'Include the admin token, the seeding key and the host key (secrets.json, seed-key.json, host-key.json)'
complete -c spork -n "__fish_spork_using_subcommand host; and __fish_seen_subcommand_from backup" -l json -d 'Print events as JSON lines for scripts'
complete -c spork -n "__fish_spork_using_subcommand host; and __fish_seen_subcommand_from backup" -s v -l verbose -d 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
complete -c spork -n "__fish_spork_using_subcommand host; and __fish_seen_subcommand_from backup" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c spork -n "__fish_spork_using_subcommand host; and __fish_seen_subcommand_from backup" -s V -l version -d 'Print version'
complete -c spork -n "__fish_spork_using_subcommand host; and __fish_seen_subcommand_from restore" -l dir -d 'The host\'s folder [default: ~/.atek]' -r -F
complete -c spork -n "__fish_spork_using_subcommand host; and __fish_seen_subcommand_from restore" -l bootstrap -d 'DHT nodes to join, as HOST:PORT[,HOST:PORT…] [default: the public HyperDHT nodes]' -r
complete -c spork -n "__fish_spork_using_subcommand host; and __fish_seen_subcommand_from restore" -l dht-port -d 'Fix the local UDP port (for a forwarded port) [default: any free port]' -r
complete -c spork -n "__fish_spork_using_subcommand host; and __fish_seen_subcommand_from restore" -l json -d 'Print events as JSON lines for scripts'
complete -c spork -n "__fish_spork_using_subcommand host; and __fish_seen_subcommand_from restore" -s v -l verbose -d 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
complete -c spork -n "__fish_spork_using_subcommand host; and __fish_seen_subcommand_from restore" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c spork -n "__fish_spork_using_subcommand host; and __fish_seen_subcommand_from restore" -s V -l version -d 'Print version'
complete -c spork -n "__fish_spork_using_subcommand host; and __fish_seen_subcommand_from help" -f -a "login-link" -d 'Print a fresh one-time browser login link (on stderr)'
complete -c spork -n "__fish_spork_using_subcommand host; and __fish_seen_subcommand_from help" -f -a "key" -d 'Print the host\'s public key: its address for remote access (made if new)'
complete -c spork -n "__fish_spork_using_subcommand host; and __fish_seen_subcommand_from help" -f -a "invite" -d 'Make a one-time invite that pairs one device (shown once, on stderr, with a QR code); on the device: spork pair'
complete -c spork -n "__fish_spork_using_subcommand host; and __fish_seen_subcommand_from help" -f -a "devices" -d 'List the paired devices, or unpair one (its open connections close at once)'
complete -c spork -n "__fish_spork_using_subcommand host; and __fish_seen_subcommand_from help" -f -a "backup" -d 'Back up the running host to FILE: databases, config, services\' packages and data'
complete -c spork -n "__fish_spork_using_subcommand host; and __fish_seen_subcommand_from help" -f -a "restore" -d 'Restore a backup into --dir, which must be new or empty; then `spork host` there'
complete -c spork -n "__fish_spork_using_subcommand host; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c spork -n "__fish_spork_using_subcommand install" -l id -d 'The service\'s id [default: its name, made unique]' -r
complete -c spork -n "__fish_spork_using_subcommand install" -l semver -d 'A semver range of releases to follow (git)' -r
complete -c spork -n "__fish_spork_using_subcommand install" -l env -d 'An environment variable for the service (repeatable)' -r
complete -c spork -n "__fish_spork_using_subcommand install" -l user -d 'The user who owns it (a username, or `system` for a multi-user service) [default: system]' -r
complete -c spork -n "__fish_spork_using_subcommand install" -l dir -d 'The host\'s folder [default: ~/.atek]' -r -F
complete -c spork -n "__fish_spork_using_subcommand install" -l bootstrap -d 'DHT nodes to join, as HOST:PORT[,HOST:PORT…] [default: the public HyperDHT nodes]' -r
complete -c spork -n "__fish_spork_using_subcommand install" -l dht-port -d 'Fix the local UDP port (for a forwarded port) [default: any free port]' -r
complete -c spork -n "__fish_spork_using_subcommand install" -l link -d 'Run the folder in place instead of a copy (development)'
complete -c spork -n "__fish_spork_using_subcommand install" -l allow-network -d 'Grant the outbound network its atek.json asks for'
complete -c spork -n "__fish_spork_using_subcommand install" -l allow-scripts -d 'Let npm run the dependencies\' install scripts'
complete -c spork -n "__fish_spork_using_subcommand install" -l json -d 'Print events as JSON lines for scripts'
complete -c spork -n "__fish_spork_using_subcommand install" -s v -l verbose -d 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
complete -c spork -n "__fish_spork_using_subcommand install" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c spork -n "__fish_spork_using_subcommand install" -s V -l version -d 'Print version'
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
complete -c spork -n "__fish_spork_using_subcommand logs" -s n -l lines -d 'How many lines from the end' -r
complete -c spork -n "__fish_spork_using_subcommand logs" -l dir -d 'The host\'s folder [default: ~/.atek]' -r -F
complete -c spork -n "__fish_spork_using_subcommand logs" -l bootstrap -d 'DHT nodes to join, as HOST:PORT[,HOST:PORT…] [default: the public HyperDHT nodes]' -r
complete -c spork -n "__fish_spork_using_subcommand logs" -l dht-port -d 'Fix the local UDP port (for a forwarded port) [default: any free port]' -r
complete -c spork -n "__fish_spork_using_subcommand logs" -s f -l follow -d 'Keep printing new lines'
complete -c spork -n "__fish_spork_using_subcommand logs" -l json -d 'Print events as JSON lines for scripts'
complete -c spork -n "__fish_spork_using_subcommand logs" -s v -l verbose -d 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
complete -c spork -n "__fish_spork_using_subcommand logs" -s h -l help -d 'Print help'
complete -c spork -n "__fish_spork_using_subcommand logs" -s V -l version -d 'Print version'
complete -c spork -n "__fish_spork_using_subcommand ls" -l dir -d 'The host\'s folder [default: ~/.atek]' -r -F
complete -c spork -n "__fish_spork_using_subcommand ls" -l bootstrap -d 'DHT nodes to join, as HOST:PORT[,HOST:PORT…] [default: the public HyperDHT nodes]' -r
complete -c spork -n "__fish_spork_using_subcommand ls" -l dht-port -d 'Fix the local UDP port (for a forwarded port) [default: any free port]' -r
complete -c spork -n "__fish_spork_using_subcommand ls" -l json -d 'Print events as JSON lines for scripts'
complete -c spork -n "__fish_spork_using_subcommand ls" -s v -l verbose -d 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
complete -c spork -n "__fish_spork_using_subcommand ls" -s h -l help -d 'Print help'
complete -c spork -n "__fish_spork_using_subcommand ls" -s V -l version -d 'Print version'
complete -c spork -n "__fish_spork_using_subcommand man" -l bootstrap -d 'DHT nodes to join, as HOST:PORT[,HOST:PORT…] [default: the public HyperDHT nodes]' -r
complete -c spork -n "__fish_spork_using_subcommand man" -l dht-port -d 'Fix the local UDP port (for a forwarded port) [default: any free port]' -r
complete -c spork -n "__fish_spork_using_subcommand man" -l json -d 'Print events as JSON lines for scripts'
complete -c spork -n "__fish_spork_using_subcommand man" -s v -l verbose -d 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
complete -c spork -n "__fish_spork_using_subcommand man" -s h -l help -d 'Print help'
complete -c spork -n "__fish_spork_using_subcommand man" -s V -l version -d 'Print version'
complete -c spork -n "__fish_spork_using_subcommand mkuser" -l dir -d 'The host\'s folder [default: ~/.atek]' -r -F
complete -c spork -n "__fish_spork_using_subcommand mkuser" -l bootstrap -d 'DHT nodes to join, as HOST:PORT[,HOST:PORT…] [default: the public HyperDHT nodes]' -r
complete -c spork -n "__fish_spork_using_subcommand mkuser" -l dht-port -d 'Fix the local UDP port (for a forwarded port) [default: any free port]' -r
complete -c spork -n "__fish_spork_using_subcommand mkuser" -l admin -d 'Make the user an admin (manages the host and every user)'
complete -c spork -n "__fish_spork_using_subcommand mkuser" -l json -d 'Print events as JSON lines for scripts'
complete -c spork -n "__fish_spork_using_subcommand mkuser" -s v -l verbose -d 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
complete -c spork -n "__fish_spork_using_subcommand mkuser" -s h -l help -d 'Print help'
complete -c spork -n "__fish_spork_using_subcommand mkuser" -s V -l version -d 'Print version'
complete -c spork -n "__fish_spork_using_subcommand moduser" -l dir -d 'The host\'s folder [default: ~/.atek]' -r -F
complete -c spork -n "__fish_spork_using_subcommand moduser" -l rename -d 'A new username' -r
complete -c spork -n "__fish_spork_using_subcommand moduser" -l bootstrap -d 'DHT nodes to join, as HOST:PORT[,HOST:PORT…] [default: the public HyperDHT nodes]' -r
complete -c spork -n "__fish_spork_using_subcommand moduser" -l dht-port -d 'Fix the local UDP port (for a forwarded port) [default: any free port]' -r
complete -c spork -n "__fish_spork_using_subcommand moduser" -l password -d 'Set a new password (asked for, or read from stdin; ends the user\'s sessions)'
complete -c spork -n "__fish_spork_using_subcommand moduser" -l admin -d 'Make the user an admin'
complete -c spork -n "__fish_spork_using_subcommand moduser" -l no-admin -d 'Make the user no longer an admin'
complete -c spork -n "__fish_spork_using_subcommand moduser" -l json -d 'Print events as JSON lines for scripts'
complete -c spork -n "__fish_spork_using_subcommand moduser" -s v -l verbose -d 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
complete -c spork -n "__fish_spork_using_subcommand moduser" -s h -l help -d 'Print help'
complete -c spork -n "__fish_spork_using_subcommand moduser" -s V -l version -d 'Print version'
complete -c spork -n "__fish_spork_using_subcommand pair" -l name -d 'The name to remember the host under' -r
complete -c spork -n "__fish_spork_using_subcommand pair" -l forget -d 'Forget a paired host (it still lists this device until revoked there)' -r
complete -c spork -n "__fish_spork_using_subcommand pair" -l connect-timeout -d 'Seconds to keep trying to reach the host' -r
complete -c spork -n "__fish_spork_using_subcommand pair" -l bootstrap -d 'DHT nodes to join, as HOST:PORT[,HOST:PORT…] [default: the public HyperDHT nodes]' -r
complete -c spork -n "__fish_spork_using_subcommand pair" -l dht-port -d 'Fix the local UDP port (for a forwarded port) [default: any free port]' -r
complete -c spork -n "__fish_spork_using_subcommand pair" -l list -d 'List the paired hosts'
complete -c spork -n "__fish_spork_using_subcommand pair" -l json -d 'Print events as JSON lines for scripts'
complete -c spork -n "__fish_spork_using_subcommand pair" -s v -l verbose -d 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
complete -c spork -n "__fish_spork_using_subcommand pair" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c spork -n "__fish_spork_using_subcommand pair" -s V -l version -d 'Print version'
complete -c spork -n "__fish_spork_using_subcommand restart" -l dir -d 'The host\'s folder [default: ~/.atek]' -r -F
complete -c spork -n "__fish_spork_using_subcommand restart" -l bootstrap -d 'DHT nodes to join, as HOST:PORT[,HOST:PORT…] [default: the public HyperDHT nodes]' -r
complete -c spork -n "__fish_spork_using_subcommand restart" -l dht-port -d 'Fix the local UDP port (for a forwarded port) [default: any free port]' -r
complete -c spork -n "__fish_spork_using_subcommand restart" -l json -d 'Print events as JSON lines for scripts'
complete -c spork -n "__fish_spork_using_subcommand restart" -s v -l verbose -d 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
complete -c spork -n "__fish_spork_using_subcommand restart" -s h -l help -d 'Print help'
complete -c spork -n "__fish_spork_using_subcommand restart" -s V -l version -d 'Print version'
complete -c spork -n "__fish_spork_using_subcommand seed" -l dir -d 'The host\'s folder [default: ~/.atek]' -r -F
complete -c spork -n "__fish_spork_using_subcommand seed" -l bootstrap -d 'DHT nodes to join, as HOST:PORT[,HOST:PORT…] [default: the public HyperDHT nodes]' -r
complete -c spork -n "__fish_spork_using_subcommand seed" -l dht-port -d 'Fix the local UDP port (for a forwarded port) [default: any free port]' -r
complete -c spork -n "__fish_spork_using_subcommand seed" -l remove -d 'Stop seeding the KEYs given (their blocks stay in the store)'
complete -c spork -n "__fish_spork_using_subcommand seed" -l list -d 'List the seeded keys with their length and disk use, and exit'
complete -c spork -n "__fish_spork_using_subcommand seed" -l json -d 'Print events as JSON lines for scripts'
complete -c spork -n "__fish_spork_using_subcommand seed" -s v -l verbose -d 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
complete -c spork -n "__fish_spork_using_subcommand seed" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c spork -n "__fish_spork_using_subcommand seed" -s V -l version -d 'Print version'
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
complete -c spork -n "__fish_spork_using_subcommand start" -l dir -d 'The host\'s folder [default: ~/.atek]' -r -F
complete -c spork -n "__fish_spork_using_subcommand start" -l bootstrap -d 'DHT nodes to join, as HOST:PORT[,HOST:PORT…] [default: the public HyperDHT nodes]' -r
complete -c spork -n "__fish_spork_using_subcommand start" -l dht-port -d 'Fix the local UDP port (for a forwarded port) [default: any free port]' -r
complete -c spork -n "__fish_spork_using_subcommand start" -l json -d 'Print events as JSON lines for scripts'
complete -c spork -n "__fish_spork_using_subcommand start" -s v -l verbose -d 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
complete -c spork -n "__fish_spork_using_subcommand start" -s h -l help -d 'Print help'
complete -c spork -n "__fish_spork_using_subcommand start" -s V -l version -d 'Print version'
complete -c spork -n "__fish_spork_using_subcommand stop" -l dir -d 'The host\'s folder [default: ~/.atek]' -r -F
complete -c spork -n "__fish_spork_using_subcommand stop" -l bootstrap -d 'DHT nodes to join, as HOST:PORT[,HOST:PORT…] [default: the public HyperDHT nodes]' -r
complete -c spork -n "__fish_spork_using_subcommand stop" -l dht-port -d 'Fix the local UDP port (for a forwarded port) [default: any free port]' -r
complete -c spork -n "__fish_spork_using_subcommand stop" -l json -d 'Print events as JSON lines for scripts'
complete -c spork -n "__fish_spork_using_subcommand stop" -s v -l verbose -d 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
complete -c spork -n "__fish_spork_using_subcommand stop" -s h -l help -d 'Print help'
complete -c spork -n "__fish_spork_using_subcommand stop" -s V -l version -d 'Print version'
complete -c spork -n "__fish_spork_using_subcommand uninstall" -l dir -d 'The host\'s folder [default: ~/.atek]' -r -F
complete -c spork -n "__fish_spork_using_subcommand uninstall" -l bootstrap -d 'DHT nodes to join, as HOST:PORT[,HOST:PORT…] [default: the public HyperDHT nodes]' -r
complete -c spork -n "__fish_spork_using_subcommand uninstall" -l dht-port -d 'Fix the local UDP port (for a forwarded port) [default: any free port]' -r
complete -c spork -n "__fish_spork_using_subcommand uninstall" -l purge -d 'Remove its data too'
complete -c spork -n "__fish_spork_using_subcommand uninstall" -l json -d 'Print events as JSON lines for scripts'
complete -c spork -n "__fish_spork_using_subcommand uninstall" -s v -l verbose -d 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
complete -c spork -n "__fish_spork_using_subcommand uninstall" -s h -l help -d 'Print help'
complete -c spork -n "__fish_spork_using_subcommand uninstall" -s V -l version -d 'Print version'
complete -c spork -n "__fish_spork_using_subcommand update" -l dir -d 'The host\'s folder [default: ~/.atek]' -r -F
complete -c spork -n "__fish_spork_using_subcommand update" -l bootstrap -d 'DHT nodes to join, as HOST:PORT[,HOST:PORT…] [default: the public HyperDHT nodes]' -r
complete -c spork -n "__fish_spork_using_subcommand update" -l dht-port -d 'Fix the local UDP port (for a forwarded port) [default: any free port]' -r
complete -c spork -n "__fish_spork_using_subcommand update" -l json -d 'Print events as JSON lines for scripts'
complete -c spork -n "__fish_spork_using_subcommand update" -s v -l verbose -d 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
complete -c spork -n "__fish_spork_using_subcommand update" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c spork -n "__fish_spork_using_subcommand update" -s V -l version -d 'Print version'
complete -c spork -n "__fish_spork_using_subcommand users" -l dir -d 'The host\'s folder [default: ~/.atek]' -r -F
complete -c spork -n "__fish_spork_using_subcommand users" -l bootstrap -d 'DHT nodes to join, as HOST:PORT[,HOST:PORT…] [default: the public HyperDHT nodes]' -r
complete -c spork -n "__fish_spork_using_subcommand users" -l dht-port -d 'Fix the local UDP port (for a forwarded port) [default: any free port]' -r
complete -c spork -n "__fish_spork_using_subcommand users" -l json -d 'Print events as JSON lines for scripts'
complete -c spork -n "__fish_spork_using_subcommand users" -s v -l verbose -d 'More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
complete -c spork -n "__fish_spork_using_subcommand users" -s h -l help -d 'Print help'
complete -c spork -n "__fish_spork_using_subcommand users" -s V -l version -d 'Print version'
complete -c spork -n "__fish_spork_using_subcommand help; and not __fish_seen_subcommand_from beam bind call cfg completions connect db deluser dht gateway get host install key logs ls man mkuser moduser pair restart seed serve start stop uninstall update users help" -f -a "beam" -d 'Open an encrypted pipe: stdin here → stdout there, and back.'
complete -c spork -n "__fish_spork_using_subcommand help; and not __fish_seen_subcommand_from beam bind call cfg completions connect db deluser dht gateway get host install key logs ls man mkuser moduser pair restart seed serve start stop uninstall update users help" -f -a "bind" -d 'Expose a local TCP port under a public key, or reach one through the DHT'
complete -c spork -n "__fish_spork_using_subcommand help; and not __fish_seen_subcommand_from beam bind call cfg completions connect db deluser dht gateway get host install key logs ls man mkuser moduser pair restart seed serve start stop uninstall update users help" -f -a "call" -d 'Call a JSON-RPC method through the host\'s gateway, as the admin'
complete -c spork -n "__fish_spork_using_subcommand help; and not __fish_seen_subcommand_from beam bind call cfg completions connect db deluser dht gateway get host install key logs ls man mkuser moduser pair restart seed serve start stop uninstall update users help" -f -a "cfg" -d 'Show or set a service\'s config (restarting it when values change)'
complete -c spork -n "__fish_spork_using_subcommand help; and not __fish_seen_subcommand_from beam bind call cfg completions connect db deluser dht gateway get host install key logs ls man mkuser moduser pair restart seed serve start stop uninstall update users help" -f -a "completions" -d 'Print a shell completion script'
complete -c spork -n "__fish_spork_using_subcommand help; and not __fish_seen_subcommand_from beam bind call cfg completions connect db deluser dht gateway get host install key logs ls man mkuser moduser pair restart seed serve start stop uninstall update users help" -f -a "connect" -d 'Reach a paired home cloud from this device: a local port tunnelled to it'
complete -c spork -n "__fish_spork_using_subcommand help; and not __fish_seen_subcommand_from beam bind call cfg completions connect db deluser dht gateway get host install key logs ls man mkuser moduser pair restart seed serve start stop uninstall update users help" -f -a "db" -d 'The home cloud\'s databases (ADB): list, read, write, export, follow'
complete -c spork -n "__fish_spork_using_subcommand help; and not __fish_seen_subcommand_from beam bind call cfg completions connect db deluser dht gateway get host install key logs ls man mkuser moduser pair restart seed serve start stop uninstall update users help" -f -a "deluser" -d 'Delete a user account (and end its sessions)'
complete -c spork -n "__fish_spork_using_subcommand help; and not __fish_seen_subcommand_from beam bind call cfg completions connect db deluser dht gateway get host install key logs ls man mkuser moduser pair restart seed serve start stop uninstall update users help" -f -a "dht" -d 'Run a HyperDHT node for others: route queries, store announcements and records, relay handshakes between clients and servers'
complete -c spork -n "__fish_spork_using_subcommand help; and not __fish_seen_subcommand_from beam bind call cfg completions connect db deluser dht gateway get host install key logs ls man mkuser moduser pair restart seed serve start stop uninstall update users help" -f -a "gateway" -d 'Reach websites served peer to peer, by key, from any browser'
complete -c spork -n "__fish_spork_using_subcommand help; and not __fish_seen_subcommand_from beam bind call cfg completions connect db deluser dht gateway get host install key logs ls man mkuser moduser pair restart seed serve start stop uninstall update users help" -f -a "get" -d 'Show one service'
complete -c spork -n "__fish_spork_using_subcommand help; and not __fish_seen_subcommand_from beam bind call cfg completions connect db deluser dht gateway get host install key logs ls man mkuser moduser pair restart seed serve start stop uninstall update users help" -f -a "host" -d 'Run the home cloud: services, their APIs, their websites'
complete -c spork -n "__fish_spork_using_subcommand help; and not __fish_seen_subcommand_from beam bind call cfg completions connect db deluser dht gateway get host install key logs ls man mkuser moduser pair restart seed serve start stop uninstall update users help" -f -a "install" -d 'Install a service from a folder or a git URL, and start it'
complete -c spork -n "__fish_spork_using_subcommand help; and not __fish_seen_subcommand_from beam bind call cfg completions connect db deluser dht gateway get host install key logs ls man mkuser moduser pair restart seed serve start stop uninstall update users help" -f -a "key" -d 'Make and inspect keypairs: a device\'s identity on the DHT'
complete -c spork -n "__fish_spork_using_subcommand help; and not __fish_seen_subcommand_from beam bind call cfg completions connect db deluser dht gateway get host install key logs ls man mkuser moduser pair restart seed serve start stop uninstall update users help" -f -a "logs" -d 'Show a service\'s log (what it printed, and what the host said about it)'
complete -c spork -n "__fish_spork_using_subcommand help; and not __fish_seen_subcommand_from beam bind call cfg completions connect db deluser dht gateway get host install key logs ls man mkuser moduser pair restart seed serve start stop uninstall update users help" -f -a "ls" -d 'List the services'
complete -c spork -n "__fish_spork_using_subcommand help; and not __fish_seen_subcommand_from beam bind call cfg completions connect db deluser dht gateway get host install key logs ls man mkuser moduser pair restart seed serve start stop uninstall update users help" -f -a "man" -d 'Print the manual page (roff) on stdout'
complete -c spork -n "__fish_spork_using_subcommand help; and not __fish_seen_subcommand_from beam bind call cfg completions connect db deluser dht gateway get host install key logs ls man mkuser moduser pair restart seed serve start stop uninstall update users help" -f -a "mkuser" -d 'Make a user account; the password is asked for (or read from stdin\'s first line)'
complete -c spork -n "__fish_spork_using_subcommand help; and not __fish_seen_subcommand_from beam bind call cfg completions connect db deluser dht gateway get host install key logs ls man mkuser moduser pair restart seed serve start stop uninstall update users help" -f -a "moduser" -d 'Change a user account: its name, password or role'
complete -c spork -n "__fish_spork_using_subcommand help; and not __fish_seen_subcommand_from beam bind call cfg completions connect db deluser dht gateway get host install key logs ls man mkuser moduser pair restart seed serve start stop uninstall update users help" -f -a "pair" -d 'Pair this device with a home cloud, from an invite made by `spork host invite`'
complete -c spork -n "__fish_spork_using_subcommand help; and not __fish_seen_subcommand_from beam bind call cfg completions connect db deluser dht gateway get host install key logs ls man mkuser moduser pair restart seed serve start stop uninstall update users help" -f -a "restart" -d 'Start, stop or restart a service'
complete -c spork -n "__fish_spork_using_subcommand help; and not __fish_seen_subcommand_from beam bind call cfg completions connect db deluser dht gateway get host install key logs ls man mkuser moduser pair restart seed serve start stop uninstall update users help" -f -a "seed" -d 'Keep hypercores available: download, follow live, serve to anyone'
complete -c spork -n "__fish_spork_using_subcommand help; and not __fish_seen_subcommand_from beam bind call cfg completions connect db deluser dht gateway get host install key logs ls man mkuser moduser pair restart seed serve start stop uninstall update users help" -f -a "serve" -d 'Serve a folder as a website, locally and peer to peer'
complete -c spork -n "__fish_spork_using_subcommand help; and not __fish_seen_subcommand_from beam bind call cfg completions connect db deluser dht gateway get host install key logs ls man mkuser moduser pair restart seed serve start stop uninstall update users help" -f -a "start" -d 'Start, stop or restart a service'
complete -c spork -n "__fish_spork_using_subcommand help; and not __fish_seen_subcommand_from beam bind call cfg completions connect db deluser dht gateway get host install key logs ls man mkuser moduser pair restart seed serve start stop uninstall update users help" -f -a "stop" -d 'Start, stop or restart a service'
complete -c spork -n "__fish_spork_using_subcommand help; and not __fish_seen_subcommand_from beam bind call cfg completions connect db deluser dht gateway get host install key logs ls man mkuser moduser pair restart seed serve start stop uninstall update users help" -f -a "uninstall" -d 'Remove a service (its data stays unless --purge)'
complete -c spork -n "__fish_spork_using_subcommand help; and not __fish_seen_subcommand_from beam bind call cfg completions connect db deluser dht gateway get host install key logs ls man mkuser moduser pair restart seed serve start stop uninstall update users help" -f -a "update" -d 'Move git services to their newest release in range (restarting them)'
complete -c spork -n "__fish_spork_using_subcommand help; and not __fish_seen_subcommand_from beam bind call cfg completions connect db deluser dht gateway get host install key logs ls man mkuser moduser pair restart seed serve start stop uninstall update users help" -f -a "users" -d 'List the host\'s user accounts'
complete -c spork -n "__fish_spork_using_subcommand help; and not __fish_seen_subcommand_from beam bind call cfg completions connect db deluser dht gateway get host install key logs ls man mkuser moduser pair restart seed serve start stop uninstall update users help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c spork -n "__fish_spork_using_subcommand help; and __fish_seen_subcommand_from db" -f -a "ls" -d 'List every database (id, owner/alias, access, records\' version)'
complete -c spork -n "__fish_spork_using_subcommand help; and __fish_seen_subcommand_from db" -f -a "describe" -d 'Show one database'
complete -c spork -n "__fish_spork_using_subcommand help; and __fish_seen_subcommand_from db" -f -a "create" -d 'Make a database for the admin (or, with --service, for a service)'
complete -c spork -n "__fish_spork_using_subcommand help; and __fish_seen_subcommand_from db" -f -a "configure" -d 'Change a database\'s access, alias or schemas'
complete -c spork -n "__fish_spork_using_subcommand help; and __fish_seen_subcommand_from db" -f -a "get" -d 'Print the value at PATH (the whole record with --json)'
complete -c spork -n "__fish_spork_using_subcommand help; and __fish_seen_subcommand_from db" -f -a "put" -d 'Write a JSON object at PATH (from the argument, or stdin with - or none)'
complete -c spork -n "__fish_spork_using_subcommand help; and __fish_seen_subcommand_from db" -f -a "del" -d 'Delete the record at PATH'
complete -c spork -n "__fish_spork_using_subcommand help; and __fish_seen_subcommand_from db" -f -a "list" -d 'List the records in a folder'
complete -c spork -n "__fish_spork_using_subcommand help; and __fish_seen_subcommand_from db" -f -a "export" -d 'Every record under PATH as JSON lines {"path", "value"}, on stdout'
complete -c spork -n "__fish_spork_using_subcommand help; and __fish_seen_subcommand_from db" -f -a "import" -d 'Write JSON lines {"path", "value"} (from FILE or stdin) into a database'
complete -c spork -n "__fish_spork_using_subcommand help; and __fish_seen_subcommand_from db" -f -a "follow" -d 'Follow another home\'s public database, read-only and live'
complete -c spork -n "__fish_spork_using_subcommand help; and __fish_seen_subcommand_from db" -f -a "unfollow" -d 'Stop following a database (its blocks stay in the store)'
complete -c spork -n "__fish_spork_using_subcommand help; and __fish_seen_subcommand_from host" -f -a "login-link" -d 'Print a fresh one-time browser login link (on stderr)'
complete -c spork -n "__fish_spork_using_subcommand help; and __fish_seen_subcommand_from host" -f -a "key" -d 'Print the host\'s public key: its address for remote access (made if new)'
complete -c spork -n "__fish_spork_using_subcommand help; and __fish_seen_subcommand_from host" -f -a "invite" -d 'Make a one-time invite that pairs one device (shown once, on stderr, with a QR code); on the device: spork pair'
complete -c spork -n "__fish_spork_using_subcommand help; and __fish_seen_subcommand_from host" -f -a "devices" -d 'List the paired devices, or unpair one (its open connections close at once)'
complete -c spork -n "__fish_spork_using_subcommand help; and __fish_seen_subcommand_from host" -f -a "backup" -d 'Back up the running host to FILE: databases, config, services\' packages and data'
complete -c spork -n "__fish_spork_using_subcommand help; and __fish_seen_subcommand_from host" -f -a "restore" -d 'Restore a backup into --dir, which must be new or empty; then `spork host` there'
complete -c spork -n "__fish_spork_using_subcommand help; and __fish_seen_subcommand_from key" -f -a "new" -d 'Create a new keypair'
complete -c spork -n "__fish_spork_using_subcommand help; and __fish_seen_subcommand_from key" -f -a "show" -d 'Print the public key of a keyfile: the address to give others'
complete -c spork -n "__fish_spork_using_subcommand help; and __fish_seen_subcommand_from key" -f -a "check" -d 'Check a public key someone gave you and print it in spork\'s form (lowercase base32)'
