package dev.nimbo.store;

import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.state.Record;
import java.util.List;

/**
 * Child process of the durability test: commits one VM per batch and prints "ACK id" after each commit
 * returns, until it is killed. Args: jdbcUrl count.
 */
public final class CommitAndAckMain {
    public static void main(String[] args) {
        String url = args[0];
        int count = Integer.parseInt(args[1]);
        try (JdbcStore store = JdbcStore.open(url)) {
            System.out.println("OPEN");
            System.out.flush();
            for (int id = 0; id < count; id++) {
                store.commit(List.of(new Record.Put(TestObject.of(ObjectType.VM, id, "x".repeat(200))),
                        new Record.LastId(ObjectType.VM, id)));
                System.out.println("ACK " + id);
                System.out.flush();
            }
        }
        System.out.println("DONE");
    }
}
