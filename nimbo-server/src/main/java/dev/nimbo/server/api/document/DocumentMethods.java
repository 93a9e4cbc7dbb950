package dev.nimbo.server.api.document;

import dev.nimbo.core.auth.Right;
import dev.nimbo.core.document.Document;
import dev.nimbo.core.error.ApiException;
import dev.nimbo.core.obj.Lock;
import dev.nimbo.core.obj.NameRules;
import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.obj.Permissions;
import dev.nimbo.core.obj.PoolObject;
import dev.nimbo.core.state.Transaction;
import dev.nimbo.core.template.Template;
import dev.nimbo.server.api.ApiRegistry;
import dev.nimbo.server.api.Call;
import dev.nimbo.server.api.Templates;
import dev.nimbo.server.api.shared.SharedMethods;
import java.util.ArrayList;
import java.util.List;

/** one.document.* and one.documentpool.info: generic typed documents, the first user of the shared machinery. */
public final class DocumentMethods {
    /** OpenNebula's default umask 177: new objects are owner use+manage only. */
    static final Permissions DEFAULT_PERMISSIONS = new Permissions(0600);

    private DocumentMethods() {
    }

    public static void register(ApiRegistry r) {
        SharedMethods.register(r, "one.document", ObjectType.DOCUMENT);
        r.register("one.document.allocate", DocumentMethods::allocate);
        r.register("one.document.clone", DocumentMethods::cloneDocument);
        r.register("one.document.delete", DocumentMethods::delete);
        r.register("one.documentpool.info", DocumentMethods::poolInfo);
    }

    static Object allocate(Call call) {
        call.params().arity(2, 2);
        Template t = Templates.parse(call, call.params().string(0));
        int docType = call.params().integer(1);
        call.authorizeCreate(ObjectType.DOCUMENT);
        String given = t.get("NAME");
        if (given != null) {
            String problem = NameRules.problem(given, "");
            if (problem != null) {
                throw ApiException.allocate("document", problem + ".");
            }
        }
        return call.write(tx -> {
            int id = tx.nextId(ObjectType.DOCUMENT);
            String name = given != null ? given : "document-" + id;
            checkFree(tx, call.subject().uid(), name);
            tx.put(new Document(id, name, call.subject().uid(), call.subject().gid(), call.subject().uname(),
                    call.subject().gname(), docType, DEFAULT_PERMISSIONS, Lock.NONE, t.without("NAME")));
            return id;
        });
    }

    private static void checkFree(Transaction tx, int uid, String name) {
        PoolObject clash = tx.byName(ObjectType.DOCUMENT, uid, name);
        if (clash != null) {
            throw ApiException.allocate("document", "NAME is already taken by DOCUMENT " + clash.id() + ".");
        }
    }

    static Object cloneDocument(Call call) {
        call.params().arity(2, 2);
        int source = call.params().integer(0);
        String name = call.params().string(1);
        String problem = NameRules.problem(name, "");
        if (problem != null) {
            throw ApiException.allocate("document", problem + ".");
        }
        call.authorizeCreate(ObjectType.DOCUMENT);
        return call.write(tx -> {
            Document src = tx.require(ObjectType.DOCUMENT, source);
            call.authorize(Right.USE, src);
            checkFree(tx, call.subject().uid(), name);
            int id = tx.nextId(ObjectType.DOCUMENT);
            tx.put(src.withId(id).withName(name).withOwner(call.subject().uid(), call.subject().uname(),
                    call.subject().gid(), call.subject().gname()).withPermissions(DEFAULT_PERMISSIONS));
            return id;
        });
    }

    static Object delete(Call call) {
        call.params().arity(1, 1);
        int id = call.params().integer(0);
        return call.write(tx -> {
            Document d = tx.require(ObjectType.DOCUMENT, id);
            call.authorize(Right.MANAGE, d);
            tx.delete(ObjectType.DOCUMENT, id);
            return id;
        });
    }

    static Object poolInfo(Call call) {
        call.params().arity(3, 4);
        List<PoolObject> selected = SharedMethods.poolSelect(call, ObjectType.DOCUMENT);
        if (call.params().has(3) && call.params().integer(3) >= 0) {
            int docType = call.params().integer(3);
            List<PoolObject> ofType = new ArrayList<>();
            for (PoolObject o : selected) {
                if (((Document) o).docType() == docType) {
                    ofType.add(o);
                }
            }
            selected = ofType;
        }
        return SharedMethods.poolXml(call, ObjectType.DOCUMENT, selected);
    }
}
