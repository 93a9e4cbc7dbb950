package dev.nimbo.server.api;

import dev.nimbo.core.auth.Authorizer;
import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.quota.DefaultQuotas;
import dev.nimbo.core.state.Controller;
import dev.nimbo.core.state.ObjectsView;
import dev.nimbo.core.user.PasswordHasher;
import dev.nimbo.server.ServerConfig;
import dev.nimbo.server.api.render.RenderCache;
import java.time.Clock;

/**
 * The services API methods use. Immutable and thread-safe; one per running daemon. {@code renders} holds the
 * objects' escaped XML for info and pool answers.
 */
public record ApiContext(ServerConfig config, Controller controller, ObjectsView view, Authorizer authorizer,
                         PasswordHasher hasher, Clock clock, RenderCache renders) {

    /** With a render cache over {@code view} that forgets the objects the controller deletes. */
    public ApiContext(ServerConfig config, Controller controller, ObjectsView view, Authorizer authorizer,
                      PasswordHasher hasher, Clock clock) {
        this(config, controller, view, authorizer, hasher, clock, RenderCache.attach(controller, view));
    }

    public static final int DEFAULT_USER_QUOTAS_ID = 0;
    public static final int DEFAULT_GROUP_QUOTAS_ID = 1;

    public DefaultQuotas defaultUserQuotas() {
        return (DefaultQuotas) view.get(ObjectType.SETTING, DEFAULT_USER_QUOTAS_ID);
    }

    public DefaultQuotas defaultGroupQuotas() {
        return (DefaultQuotas) view.get(ObjectType.SETTING, DEFAULT_GROUP_QUOTAS_ID);
    }

    public long now() {
        return clock.millis() / 1000;
    }
}
