package dev.nimbo.core.vdc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nimbo.core.auth.AclRule;
import dev.nimbo.core.auth.DefaultAcls;
import dev.nimbo.core.error.ApiException;
import dev.nimbo.core.error.ErrorCode;
import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.obj.PoolObject;
import dev.nimbo.core.state.ObjectTable;
import dev.nimbo.core.state.Transaction;
import dev.nimbo.core.template.Template;
import dev.nimbo.core.xml.XmlNode;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** VDC changes run as actions are run: in a transaction, then applied; the ACL pool is checked after each. */
class VdcActionsTest {
    ObjectTable state;

    @BeforeEach
    void bootstrap() {
        state = new ObjectTable();
        run(tx -> {
            for (AclRule r : DefaultAcls.bootstrap(0)) {
                tx.put(r);
                tx.reserveIdsUpTo(ObjectType.ACL, r.id());
            }
            VdcActions.bootstrap(tx, 0);
        });
    }

    void run(Consumer<Transaction> action) {
        Transaction tx = new Transaction(state, 0);
        action.accept(tx);
        state.applyAll(tx.records());
    }

    List<String> rules() {
        return state.list(ObjectType.ACL).stream().map(o -> o.id() + " " + o).toList();
    }

    Vdc vdc(int id) {
        return (Vdc) state.get(ObjectType.VDC, id);
    }

    @Test
    void defaultVdcGivesUsersEveryClusterOfTheZone() {
        assertThat(rules()).containsExactly(
                "0 @1 VM+IMAGE+TEMPLATE+DOCUMENT+SECGROUP+VMGROUP+BACKUPJOB/* CREATE *", "1 * ZONE/* USE *",
                "2 * MARKETPLACE+MARKETPLACEAPP/* USE *", "3 @1 HOST/* MANAGE #0", "4 @1 NET/* USE #0",
                "5 @1 DATASTORE/* USE #0");
        assertThat(vdc(0).groups()).containsExactly(1);
        assertThat(vdc(0).resources(VdcResource.CLUSTER)).containsExactly(new Vdc.ZoneResource(0, Vdc.ALL));
        assertThat(state.lastId(ObjectType.VDC)).isEqualTo(99);
    }

    @Test
    void groupsAndResourcesBringTheirRules() {
        run(tx -> tx.put(Vdc.create(100, "v", Template.EMPTY)));
        run(tx -> VdcActions.addResource(tx, vdc(100), VdcResource.HOST, 0, 7));
        assertThat(rules()).hasSize(6); // no group yet: nothing to grant
        run(tx -> VdcActions.addGroup(tx, vdc(100), 105));
        assertThat(rules()).contains("6 @105 HOST/#7 MANAGE #0");
        run(tx -> VdcActions.addResource(tx, vdc(100), VdcResource.CLUSTER, 0, 100));
        assertThat(rules()).contains("7 @105 HOST/%100 MANAGE #0", "8 @105 NET/%100 USE #0", "9 @105 DATASTORE/%100 USE #0");
        run(tx -> VdcActions.addResource(tx, vdc(100), VdcResource.VNET, 2, 3));
        assertThat(rules()).contains("10 @105 NET/#3 USE #2");
        run(tx -> VdcActions.addResource(tx, vdc(100), VdcResource.DATASTORE, 0, 1));
        assertThat(rules()).contains("11 @105 DATASTORE/#1 USE #0");

        // ALL replaces the zone's individual resources of the kind, and their rules
        run(tx -> VdcActions.addResource(tx, vdc(100), VdcResource.HOST, 0, Vdc.ALL));
        assertThat(vdc(100).resources(VdcResource.HOST)).containsExactly(new Vdc.ZoneResource(0, Vdc.ALL));
        assertThat(rules()).doesNotContain("6 @105 HOST/#7 MANAGE #0").contains("12 @105 HOST/* MANAGE #0");

        assertThatThrownBy(() -> run(tx -> VdcActions.addGroup(tx, vdc(100), 105)))
                .hasMessage("Group 105 is already assigned to the VDC 100");
        assertThatThrownBy(() -> run(tx -> VdcActions.addResource(tx, vdc(100), VdcResource.VNET, 2, 3)))
                .hasMessage("NET 3 from Zone 2 is already assigned to the VDC")
                .satisfies(e -> assertThat(((ApiException) e).code()).isEqualTo(ErrorCode.INTERNAL));
        assertThatThrownBy(() -> run(tx -> VdcActions.delResource(tx, vdc(100), VdcResource.CLUSTER, 0, 5)))
                .hasMessage("CLUSTER 5 from Zone 0 is not assigned to the VDC ");

        run(tx -> VdcActions.resourceDeleted(tx, VdcResource.CLUSTER, 0, 100));
        assertThat(rules()).noneMatch(r -> r.contains("%100"));
        assertThat(vdc(100).resources(VdcResource.CLUSTER)).isEmpty();
        run(tx -> VdcActions.resourceDeleted(tx, VdcResource.CLUSTER, 0, 100)); // nothing left to do
        run(tx -> VdcActions.delGroup(tx, vdc(100), 105));
        assertThat(rules()).noneMatch(r -> r.contains("@105"));
        assertThatThrownBy(() -> run(tx -> VdcActions.delGroup(tx, vdc(100), 105)))
                .hasMessage("Group 105 is not assigned to the VDC 100");
    }

    @Test
    void newGroupsJoinTheDefaultVdcAndLeaveEveryVdcWhenDeleted() {
        run(tx -> VdcActions.groupCreated(tx, 100));
        assertThat(vdc(0).groups()).containsExactly(1, 100);
        assertThat(rules()).contains("6 @100 HOST/* MANAGE #0", "7 @100 NET/* USE #0", "8 @100 DATASTORE/* USE #0");
        run(tx -> tx.put(Vdc.create(100, "v", Template.EMPTY)));
        run(tx -> VdcActions.addGroup(tx, vdc(100), 100));
        run(tx -> VdcActions.addResource(tx, vdc(100), VdcResource.DATASTORE, 0, 2));
        run(tx -> VdcActions.groupDeleted(tx, 100));
        assertThat(vdc(0).groups()).containsExactly(1);
        assertThat(vdc(100).groups()).isEmpty();
        assertThat(rules()).noneMatch(r -> r.contains("@100"));
    }

    @Test
    void deletingAVdcRemovesItsRules() {
        run(tx -> tx.put(Vdc.create(100, "v", Template.EMPTY)));
        run(tx -> VdcActions.addGroup(tx, vdc(100), 104));
        run(tx -> VdcActions.addResource(tx, vdc(100), VdcResource.DATASTORE, 0, 2));
        run(tx -> tx.put(AclRule.parse(tx.nextId(ObjectType.ACL), "@104 VDC/#100 USE", 0)));
        assertThat(rules()).hasSize(8);
        run(tx -> VdcActions.delete(tx, vdc(100)));
        assertThat(rules()).hasSize(6);
        assertThat(state.get(ObjectType.VDC, 100)).isNull();
    }

    @Test
    void xmlFollowsTheXsdAndRoundTrips() {
        run(tx -> tx.put(Vdc.create(100, "v", Template.parse("DESCRIPTION = d"))));
        run(tx -> VdcActions.addGroup(tx, vdc(100), 104));
        run(tx -> VdcActions.addResource(tx, vdc(100), VdcResource.VNET, 0, 2));
        run(tx -> VdcActions.addResource(tx, vdc(100), VdcResource.VNET, 0, 1));
        Vdc v = vdc(100);
        assertThat(v.toXml()).isEqualTo("<VDC><ID>100</ID><NAME>v</NAME><GROUPS><ID>104</ID></GROUPS><CLUSTERS></CLUSTERS>"
                + "<HOSTS></HOSTS><DATASTORES></DATASTORES><VNETS><VNET><ZONE_ID>0</ZONE_ID><VNET_ID>1</VNET_ID></VNET>"
                + "<VNET><ZONE_ID>0</ZONE_ID><VNET_ID>2</VNET_ID></VNET></VNETS>"
                + "<TEMPLATE><DESCRIPTION><![CDATA[d]]></DESCRIPTION></TEMPLATE></VDC>");
        PoolObject back = Vdc.fromXml(XmlNode.parse(v.toXml()));
        assertThat(back).isEqualTo(v);
    }
}
