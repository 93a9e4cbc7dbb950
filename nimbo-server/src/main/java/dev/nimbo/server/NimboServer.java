package dev.nimbo.server;

import dev.nimbo.core.auth.AclRule;
import dev.nimbo.core.auth.Authorizer;
import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.state.Controller;
import dev.nimbo.core.state.ObjectTable;
import dev.nimbo.core.state.Store;
import dev.nimbo.core.user.PasswordHasher;
import dev.nimbo.server.api.ApiContext;
import dev.nimbo.server.api.ApiFamilies;
import dev.nimbo.server.api.ApiRegistry;
import dev.nimbo.server.auth.AuthBackends;
import dev.nimbo.server.bootstrap.Bootstrap;
import dev.nimbo.server.bootstrap.OneadminCredentials;
import dev.nimbo.server.ha.HaConfig;
import dev.nimbo.server.ha.LeaderDuties;
import dev.nimbo.server.ha.LeaderRouter;
import dev.nimbo.server.ha.RaftStore;
import dev.nimbo.server.ha.RoleHooks;
import dev.nimbo.server.ha.ZoneServers;
import dev.nimbo.server.persist.ObjectDecoders;
import dev.nimbo.server.rpc.RpcHandler;
import dev.nimbo.server.rpc.RpcPipeline;
import dev.nimbo.store.JdbcStore;
import java.io.IOException;
import java.net.BindException;
import java.time.Clock;
import java.util.Collection;
import java.util.concurrent.Executors;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running nimbod: wires the store, the controller, the API and the HTTP endpoint, in start order, and
 * takes them down in reverse. Start order makes failures cheap: lock the data dir, bind the port, then open
 * the database, so a second daemon fails before touching anything.
 */
public final class NimboServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(NimboServer.class);

    private final ServerConfig config;
    private DataDirLock lock;
    private Server http;
    private ServerConnector connector;
    private Store store;
    private Controller controller;
    private dev.nimbo.server.hook.HookManager hooks;
    private final HaConfig ha;
    private LeaderDuties duties;
    private RoleHooks roleHooks;
    private int port;
    private ApiContext ctx;

    private NimboServer(ServerConfig config, HaConfig ha) {
        this.config = config;
        this.ha = ha;
    }

    public static NimboServer start(ServerConfig config) {
        return start(config, null);
    }

    /** Starts one replica of a replicated front-end ({@code ha} null: a single front-end, as {@link #start(ServerConfig)}). */
    public static NimboServer start(ServerConfig config, HaConfig ha) {
        NimboServer s = new NimboServer(config, ha);
        try {
            s.doStart();
            return s;
        } catch (RuntimeException e) {
            s.close();
            throw e;
        }
    }

    private void doStart() {
        long t0 = System.nanoTime();
        try {
            lock = DataDirLock.acquire(config.dataDir());
        } catch (IOException e) {
            throw new StartupException("cannot use data directory " + config.dataDir() + ": " + e.getMessage(), e);
        }
        bind();
        ObjectDecoders decoders = new ObjectDecoders();
        store = JdbcStore.open(config.effectiveDbUrl());
        RaftStore raft = null;
        if (ha != null) {
            raft = new RaftStore(store, ha, decoders);
            store = raft;
        }
        ObjectTable published = new ObjectTable();
        Clock clock = Clock.systemUTC();
        controller = new Controller(store, published, clock);
        controller.preload(decoders.decode(store.load()));
        controller.start();

        PasswordHasher hasher = new PasswordHasher(config.passwordIterations());
        if (raft == null && published.size(ObjectType.USER) == 0) {
            firstStart(hasher);
        }

        @SuppressWarnings("unchecked")
        Authorizer authorizer = new Authorizer(() -> (Collection<AclRule>) (Collection<?>) published.list(ObjectType.ACL),
                config.zoneId());
        ctx = new ApiContext(config, controller, published, authorizer, hasher, clock);
        if (raft == null) {
            LeaderWork.start(ctx);
        }
        ApiRegistry registry = new ApiRegistry();
        ApiFamilies.registerAll(registry);
        hooks = dev.nimbo.server.hook.HookManager.start(controller, config.dataDir().resolve("hooks"), clock);
        dev.nimbo.server.api.hook.HookMethods.register(registry, hooks);
        RpcPipeline pipeline = new RpcPipeline(registry,
                AuthBackends.authenticator(config.auth(), published, controller, hasher, clock, config.zoneId()), ctx, hooks);
        LeaderRouter router = null;
        if (raft != null) {
            RaftStore raftStore = raft;
            // A replica starts as a follower: no action runs until it leads and has applied the log.
            LeaderDuties.closeGate(controller);
            raft.start(controller);
            router = new LeaderRouter(raft, controller, config.maxRequestBytes());
            roleHooks = new RoleHooks(ha.leaderHook(), ha.followerHook(), config.dataDir());
            roleHooks.follower();
            duties = new LeaderDuties(raft, controller, new LeaderDuties.Transitions() {
                @Override
                public void becameLeader() {
                    roleHooks.leader();
                    if (published.size(ObjectType.USER) == 0) {
                        firstStart(hasher);
                    }
                    ZoneServers.sync(controller, config.zoneId(), raftStore);
                    LeaderWork.start(ctx);
                }

                @Override
                public void lostLeadership() {
                    LeaderWork.stop(controller);
                    roleHooks.follower();
                }
            });
        }
        GracefulHandler graceful = new GracefulHandler();
        graceful.setHandler(new RpcHandler(pipeline, config.maxRequestBytes(), router));
        http.setHandler(graceful);
        try {
            http.start();
        } catch (Exception e) {
            throw new StartupException("cannot start the HTTP endpoint: " + e.getMessage(), e);
        }
        if (duties != null) {
            // only once the endpoint runs: a replica elected at once bootstraps and starts its managers on the
            // duties thread, which raced the rest of this start-up (a replica then never answered, 1 run in 3)
            duties.start();
        }
        log.info("nimbod {} listening on {}:{} ({}, auth drivers {}, database {}, data {}) in {} ms", ServerConfig.VERSION,
                config.bindAddress(), port, config.tls() != null ? "https" : "http", config.auth().authn(), store.describe(), config.dataDir(), (System.nanoTime() - t0) / 1_000_000);
    }

    private void bind() {
        QueuedThreadPool threads = new QueuedThreadPool(256, 4);
        threads.setName("nimbo-http");
        // Requests block on the controller and the store: virtual threads make that cheap.
        threads.setVirtualThreadsExecutor(Executors.newVirtualThreadPerTaskExecutor());
        http = new Server(threads);
        http.setStopTimeout(15_000);
        HttpConfiguration hc = new HttpConfiguration();
        hc.setSendServerVersion(false);
        if (config.tls() != null) {
            // SNI checks off: clients reach the daemon by IP as often as by name
            hc.addCustomizer(new org.eclipse.jetty.server.SecureRequestCustomizer(false, false, -1, false));
            org.eclipse.jetty.util.ssl.SslContextFactory.Server ssl = new org.eclipse.jetty.util.ssl.SslContextFactory.Server();
            try {
                ssl.setSslContext(config.tls().serverContext());
            } catch (IOException e) {
                throw new StartupException("TLS: " + e.getMessage(), e);
            }
            ssl.setWantClientAuth(true); // asked for, never required: x509 users present one, others need not
            connector = new ServerConnector(http, 1, 1,
                    new org.eclipse.jetty.server.SslConnectionFactory(ssl, "http/1.1"), new HttpConnectionFactory(hc));
        } else {
            connector = new ServerConnector(http, 1, 1, new HttpConnectionFactory(hc));
        }
        connector.setHost(config.bindAddress());
        connector.setPort(config.port());
        connector.setAcceptQueueSize(1024);
        connector.setIdleTimeout(120_000);
        http.addConnector(connector);
        try {
            connector.open();
        } catch (IOException e) {
            // Jetty wraps the BindException; the operator needs to know the port is taken, not the stack.
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof BindException) {
                    throw new StartupException("port " + config.port() + " on " + config.bindAddress()
                            + " is already in use (is another nimbod running?)", e);
                }
            }
            throw new StartupException("cannot listen on " + config.bindAddress() + ":" + config.port() + ": "
                    + e.getMessage(), e);
        }
        port = connector.getLocalPort();
    }

    private void firstStart(PasswordHasher hasher) {
        OneadminCredentials creds = OneadminCredentials.resolve(config.dataDir());
        String serveradminPassword = Bootstrap.randomSecret();
        String oneHash = hasher.hash(creds.password());
        String serverHash = hasher.hash(serveradminPassword);
        controller.execute(tx -> {
            Bootstrap.create(tx, creds.user(), oneHash, serverHash, config.withPort(port).endpoint(), config.zoneId(),
                    config.dataDir().resolve("datastores").toAbsolutePath().toString());
            return null;
        });
        creds.announce();
        OneadminCredentials.writeServeradmin(config.dataDir(), serveradminPassword);
        log.info("first start: bootstrap objects created");
    }

    public int port() {
        return port;
    }

    public Controller controller() {
        return controller;
    }

    /** What the API and the managers of this daemon share. */
    public ApiContext context() {
        return ctx;
    }

    /** Stops in reverse order: no new requests, in-flight requests finish, writer drains, database closes. */
    @Override
    public synchronized void close() {
        if (http != null) {
            try {
                http.stop();
            } catch (Exception e) {
                log.warn("HTTP endpoint did not stop cleanly: {}", e.toString());
            }
            http = null;
        }
        if (duties != null) {
            duties.close();
            duties = null;
        }
        if (roleHooks != null) {
            roleHooks.close();
            roleHooks = null;
        }
        if (hooks != null) {
            hooks.close(); // before the controller: running hooks still record their results
            hooks = null;
        }
        if (controller != null) {
            LeaderWork.stop(controller);
            controller.close();
            controller = null;
        }
        if (store != null) {
            store.close();
            store = null;
        }
        if (lock != null) {
            lock.close();
            lock = null;
        }
    }
}
