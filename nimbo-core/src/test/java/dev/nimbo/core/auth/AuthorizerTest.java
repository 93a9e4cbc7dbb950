package dev.nimbo.core.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nimbo.core.error.ApiException;
import dev.nimbo.core.error.ErrorCode;
import dev.nimbo.core.obj.Lock;
import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.obj.Permissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class AuthorizerTest {

    static final Subject ONEADMIN = new Subject(0, 0, Set.of(0), "oneadmin", "oneadmin");
    static final Subject IN_ONEADMIN_GROUP = new Subject(7, 0, Set.of(0), "ops", "oneadmin");
    static final Subject SECONDARY_ONEADMIN = new Subject(8, 1, Set.of(1, 0), "ops2", "users");
    static final Subject ALICE = new Subject(2, 1, Set.of(1), "alice", "users");
    static final Subject BOB = new Subject(3, 1, Set.of(1), "bob", "users");
    static final Subject CAROL = new Subject(4, 100, Set.of(100), "carol", "devs");
    static final Subject DAVE = new Subject(5, 1, Set.of(1, 100), "dave", "users");

    final List<AclRule> rules = new CopyOnWriteArrayList<>(DefaultAcls.bootstrap(0));
    final Authorizer auth = new Authorizer(() -> rules, 0);

    static ObjectAuth obj(ObjectType type, int id, int uid, int gid, int octal) {
        return new ObjectAuth(type, id, uid, gid, new Permissions(octal), Set.of());
    }

    void addRule(String text) {
        rules.add(AclRule.parse(rules.size() + 100, text, 0));
    }

    @Test
    void subjectAlwaysCountsItsEffectiveGroup() {
        Subject s = new Subject(9, 5, Set.of(6), "x", null);
        assertThat(s.groupIds()).containsExactlyInAnyOrder(5, 6);
        assertThat(s.gname()).isEmpty();
        assertThat(new Subject(9, 5, null, "x", "g").groupIds()).containsExactly(5);
    }

    @Test
    void oneadminUserAndGroupZeroMembersMayDoAnything() {
        ObjectAuth foreign = obj(ObjectType.HOST, 3, 9, 9, 0);
        for (Subject s : List.of(ONEADMIN, IN_ONEADMIN_GROUP, SECONDARY_ONEADMIN)) {
            assertThat(s.isOneadmin()).isTrue();
            for (Right r : Right.values()) {
                assertThat(auth.allowed(s, r, foreign)).as("%s %s", s.uname(), r).isTrue();
            }
            assertThat(auth.allowed(s, Right.ADMIN, obj(ObjectType.SETTING, 0, 0, 0, 0))).isTrue();
        }
        assertThat(ALICE.isOneadmin()).isFalse();
    }

    @Test
    void ownerGroupAndOtherBitsGrantTheirRights() {
        // owner alice (2) / group users (1); bob is in users, carol is not. NET: no default rule applies.
        record Case(int octal, Subject who, Right op, boolean expected) {
        }
        List<Case> cases = List.of(
                new Case(0600, ALICE, Right.USE, true), new Case(0600, ALICE, Right.MANAGE, true),
                new Case(0600, ALICE, Right.ADMIN, false), new Case(0700, ALICE, Right.ADMIN, true),
                new Case(0400, ALICE, Right.MANAGE, false), new Case(0200, ALICE, Right.USE, false),
                new Case(0600, BOB, Right.USE, false), new Case(0640, BOB, Right.USE, true),
                new Case(0640, BOB, Right.MANAGE, false), new Case(0660, BOB, Right.MANAGE, true),
                new Case(0670, BOB, Right.ADMIN, true), new Case(0640, CAROL, Right.USE, false),
                new Case(0644, CAROL, Right.USE, true), new Case(0644, CAROL, Right.MANAGE, false),
                new Case(0646, CAROL, Right.MANAGE, true), new Case(0641, CAROL, Right.ADMIN, true),
                new Case(0040, DAVE, Right.USE, true), new Case(0004, ALICE, Right.USE, true),
                new Case(0777, ALICE, Right.CREATE, false), new Case(0777, CAROL, Right.CREATE, false));
        for (Case c : cases) {
            ObjectAuth o = obj(ObjectType.NET, 10, 2, 1, c.octal());
            assertThat(auth.allowed(c.who(), c.op(), o))
                    .as("%s %s on %s", c.who().uname(), c.op(), Integer.toOctalString(c.octal()))
                    .isEqualTo(c.expected());
        }
    }

    @Test
    void groupBitsCountEverySecondaryGroup() {
        ObjectAuth ownedByDevs = obj(ObjectType.IMAGE, 4, 4, 100, 0640);
        assertThat(auth.allowed(DAVE, Right.USE, ownedByDevs)).isTrue();
        assertThat(auth.allowed(ALICE, Right.USE, ownedByDevs)).isFalse();
    }

    @Test
    void permissionBitsDoNotApplyToObjectsToBeCreated() {
        ObjectAuth none = new ObjectAuth(ObjectType.TEMPLATE, -1, 2, 1, new Permissions(0777), Set.of());
        assertThat(auth.allowed(ALICE, Right.USE, none)).isFalse();
    }

    @Test
    void aclForAnIndividualObject() {
        addRule("#4 VM/#10 MANAGE");
        ObjectAuth vm10 = obj(ObjectType.VM, 10, 2, 1, 0600);
        assertThat(auth.allowed(CAROL, Right.MANAGE, vm10)).isTrue();
        assertThat(auth.allowed(CAROL, Right.USE, vm10)).isFalse();
        assertThat(auth.allowed(CAROL, Right.ADMIN, vm10)).isFalse();
        assertThat(auth.allowed(CAROL, Right.MANAGE, obj(ObjectType.VM, 11, 2, 1, 0600))).isFalse();
        assertThat(auth.allowed(CAROL, Right.MANAGE, obj(ObjectType.IMAGE, 10, 2, 1, 0600))).isFalse();
        assertThat(auth.allowed(DAVE, Right.MANAGE, vm10)).isFalse();
    }

    @Test
    void aclForTheObjectsOfAGroup() {
        addRule("@100 NET+IMAGE/@1 USE+MANAGE");
        assertThat(auth.allowed(CAROL, Right.MANAGE, obj(ObjectType.NET, 0, 2, 1, 0600))).isTrue();
        assertThat(auth.allowed(DAVE, Right.USE, obj(ObjectType.IMAGE, 5, 2, 1, 0600))).isTrue();
        assertThat(auth.allowed(CAROL, Right.MANAGE, obj(ObjectType.NET, 0, 2, 2, 0600))).isFalse();
        assertThat(auth.allowed(CAROL, Right.ADMIN, obj(ObjectType.NET, 0, 2, 1, 0600))).isFalse();
        assertThat(auth.allowed(BOB, Right.USE, obj(ObjectType.NET, 0, 2, 1, 0600))).isFalse();
    }

    @Test
    void aclForAllObjectsOfAType() {
        addRule("* DATASTORE/* USE");
        assertThat(auth.allowed(CAROL, Right.USE, obj(ObjectType.DATASTORE, 1, 0, 0, 0600))).isTrue();
        assertThat(auth.allowed(CAROL, Right.MANAGE, obj(ObjectType.DATASTORE, 1, 0, 0, 0600))).isFalse();
        assertThat(auth.allowed(CAROL, Right.USE, obj(ObjectType.HOST, 1, 0, 0, 0600))).isFalse();
        // The default rules: everyone uses zones and marketplaces.
        assertThat(auth.allowed(CAROL, Right.USE, obj(ObjectType.ZONE, 0, 0, 0, 0))).isTrue();
        assertThat(auth.allowed(CAROL, Right.USE, obj(ObjectType.MARKETPLACEAPP, 3, 0, 0, 0))).isTrue();
        assertThat(auth.allowed(CAROL, Right.MANAGE, obj(ObjectType.ZONE, 0, 0, 0, 0))).isFalse();
    }

    @Test
    void aclForTheObjectsOfACluster() {
        addRule("#4 HOST+DATASTORE/%100 MANAGE");
        ObjectAuth host = obj(ObjectType.HOST, 7, 0, 0, 0);
        assertThat(auth.allowed(CAROL, Right.MANAGE, host.withClusters(Set.of(100)))).isTrue();
        assertThat(auth.allowed(CAROL, Right.MANAGE, host.withClusters(Set.of(0)))).isFalse();
        assertThat(auth.allowed(CAROL, Right.MANAGE, host)).isFalse();
        ObjectAuth ds = obj(ObjectType.DATASTORE, 2, 0, 0, 0).withClusters(Set.of(0, 100));
        assertThat(auth.allowed(CAROL, Right.MANAGE, ds)).isTrue();
        assertThat(auth.allowed(CAROL, Right.MANAGE, obj(ObjectType.NET, 2, 0, 0, 0).withClusters(Set.of(100))))
                .isFalse();
    }

    @Test
    void zoneMustMatchOrBeAll() {
        rules.add(AclRule.parse(50, "#4 VM/#10 MANAGE #1", 0));
        ObjectAuth vm10 = obj(ObjectType.VM, 10, 2, 1, 0600);
        assertThat(auth.allowed(CAROL, Right.MANAGE, vm10)).isFalse();
        assertThat(new Authorizer(() -> rules, 1).allowed(CAROL, Right.MANAGE, vm10)).isTrue();
        rules.add(AclRule.parse(51, "#4 USER/#10 MANAGE *", 0));
        assertThat(auth.allowed(CAROL, Right.MANAGE, obj(ObjectType.USER, 10, 10, 1, 0))).isTrue();
        assertThat(new Authorizer(() -> rules, 3).allowed(CAROL, Right.MANAGE, obj(ObjectType.USER, 10, 10, 1, 0)))
                .isTrue();
    }

    @Test
    void usersGroupCreatesTheEverydayObjectsThroughTheDefaultRule() {
        for (ObjectType t : List.of(ObjectType.VM, ObjectType.IMAGE, ObjectType.TEMPLATE, ObjectType.DOCUMENT,
                ObjectType.SECGROUP, ObjectType.VMGROUP, ObjectType.BACKUPJOB)) {
            assertThat(auth.allowed(ALICE, Right.CREATE, ObjectAuth.forCreate(t))).as("%s", t).isTrue();
            assertThat(auth.allowed(CAROL, Right.CREATE, ObjectAuth.forCreate(t))).as("%s", t).isFalse();
        }
        for (ObjectType t : List.of(ObjectType.NET, ObjectType.HOST, ObjectType.USER, ObjectType.GROUP,
                ObjectType.VROUTER, ObjectType.CLUSTER, ObjectType.ACL)) {
            assertThat(auth.allowed(ALICE, Right.CREATE, ObjectAuth.forCreate(t))).as("%s", t).isFalse();
        }
        assertThat(auth.allowed(DAVE, Right.CREATE, ObjectAuth.forCreate(ObjectType.VM))).isTrue();
        assertThat(auth.allowed(ONEADMIN, Right.CREATE, ObjectAuth.forCreate(ObjectType.HOST))).isTrue();
    }

    @Test
    void groupAdminManagesHisGroupsObjectsOnly() {
        rules.addAll(GroupAdminAcls.forAdmin(ALICE.uid(), 1, 0));
        ObjectAuth bobsVm = obj(ObjectType.VM, 20, BOB.uid(), 1, 0600);
        ObjectAuth carolsVm = obj(ObjectType.VM, 21, CAROL.uid(), 100, 0600);
        assertThat(auth.allowed(ALICE, Right.MANAGE, bobsVm)).isTrue();
        assertThat(auth.allowed(ALICE, Right.USE, bobsVm)).isTrue();
        assertThat(auth.allowed(ALICE, Right.ADMIN, bobsVm)).isFalse();
        assertThat(auth.allowed(ALICE, Right.MANAGE, carolsVm)).isFalse();
        assertThat(auth.allowed(BOB, Right.MANAGE, obj(ObjectType.VM, 22, ALICE.uid(), 1, 0600))).isFalse();

        ObjectAuth bobUser = obj(ObjectType.USER, BOB.uid(), BOB.uid(), 1, 0600);
        assertThat(auth.allowed(ALICE, Right.ADMIN, bobUser)).isTrue();
        assertThat(auth.allowed(ALICE, Right.ADMIN, obj(ObjectType.USER, 4, 4, 100, 0600))).isFalse();
        // She creates users into her group (her effective group is 1), and virtual routers anywhere.
        assertThat(auth.allowed(ALICE, Right.CREATE, ObjectAuth.forCreate(ObjectType.USER))).isTrue();
        assertThat(auth.allowed(ALICE, Right.CREATE, ObjectAuth.forCreate(ObjectType.USER, 2, 100))).isFalse();
        assertThat(auth.allowed(BOB, Right.CREATE, ObjectAuth.forCreate(ObjectType.USER))).isFalse();
        assertThat(auth.allowed(ALICE, Right.CREATE, ObjectAuth.forCreate(ObjectType.VROUTER))).isTrue();
        assertThat(auth.allowed(ALICE, Right.MANAGE, obj(ObjectType.GROUP, 1, 0, 0, 0))).isTrue();
        assertThat(auth.allowed(ALICE, Right.MANAGE, obj(ObjectType.GROUP, 100, 0, 0, 0))).isFalse();

        // del_admin removes exactly these rules.
        rules.removeIf(r -> GroupAdminAcls.forAdmin(ALICE.uid(), 1, 0).stream().anyMatch(r::sameRuleAs));
        assertThat(auth.allowed(ALICE, Right.MANAGE, bobsVm)).isFalse();
        assertThat(rules).hasSize(3);
    }

    @Test
    void internalTypesAreNeverGrantedByRules() {
        rules.add(new AclRule(60, AclRule.ALL_ID, AclRule.ALL_ID | ObjectType.VM.aclBit(), 0xF, AclRule.ALL_ID));
        assertThat(auth.allowed(CAROL, Right.USE, obj(ObjectType.VM, 1, 0, 0, 0))).isTrue();
        assertThat(auth.allowed(CAROL, Right.USE, obj(ObjectType.SETTING, 0, 0, 0, 0))).isFalse();
        assertThat(auth.visibility(CAROL, ObjectType.SETTING).all()).isFalse();
    }

    @Test
    void checkThrowsOnedsAuthorizationMessage() {
        ObjectAuth vm = obj(ObjectType.VM, 10, 2, 1, 0600);
        assertThatCode(() -> auth.check("one.vm.info", ALICE, Right.USE, vm)).doesNotThrowAnyException();
        assertThatThrownBy(() -> auth.check("one.vm.info", BOB, Right.USE, vm))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.AUTHORIZATION);
                    assertThat(e.objectId()).isEqualTo(-1);
                })
                .hasMessage("[one.vm.info] User [3] : Not authorized to perform USE VM [10].");
        assertThatThrownBy(() -> auth.check("one.vn.allocate", CAROL, Right.CREATE,
                ObjectAuth.forCreate(ObjectType.NET)))
                .hasMessage("[one.vn.allocate] User [4] : Not authorized to perform CREATE NET.");
        assertThatThrownBy(() -> auth.check("one.template.update", CAROL, Right.MANAGE,
                obj(ObjectType.TEMPLATE, 0, 2, 1, 0)))
                .hasMessage("[one.template.update] User [4] : Not authorized to perform MANAGE TEMPLATE [0].");
    }

    @Test
    void severalNeedsReportEveryFailure() {
        ObjectAuth user = obj(ObjectType.USER, 3, 3, 1, 0600);
        ObjectAuth group = obj(ObjectType.GROUP, 100, 0, 0, 0);
        assertThatThrownBy(() -> auth.check("one.user.chgrp", CAROL,
                List.of(new Authorizer.Need(Right.MANAGE, user), new Authorizer.Need(Right.USE, group))))
                .hasMessage("[one.user.chgrp] User [4] : Not authorized to perform MANAGE USER [3]; "
                        + "Not authorized to perform USE GROUP [100].");
        assertThatThrownBy(() -> auth.check("one.user.chgrp", BOB,
                List.of(new Authorizer.Need(Right.MANAGE, user), new Authorizer.Need(Right.USE, group))))
                .hasMessage("[one.user.chgrp] User [3] : Not authorized to perform USE GROUP [100].");
        assertThatCode(() -> auth.check("one.user.chgrp", ONEADMIN,
                List.of(new Authorizer.Need(Right.MANAGE, user), new Authorizer.Need(Right.USE, group))))
                .doesNotThrowAnyException();
    }

    @Test
    void locksBlockAtTheirLevelEvenForOneadmin() {
        Lock use = new Lock(1, 0, 0, -1);
        Lock manage = new Lock(2, 0, 0, -1);
        Lock admin = new Lock(3, 0, 0, -1);
        assertThat(Authorizer.blockedByLock(Lock.NONE, Right.ADMIN)).isFalse();
        assertThat(Authorizer.blockedByLock(use, Right.USE)).isTrue();
        assertThat(Authorizer.blockedByLock(manage, Right.USE)).isFalse();
        assertThat(Authorizer.blockedByLock(manage, Right.MANAGE)).isTrue();
        assertThat(Authorizer.blockedByLock(admin, Right.MANAGE)).isFalse();
        assertThat(Authorizer.blockedByLock(admin, Right.ADMIN)).isTrue();
        assertThat(Authorizer.blockedByLock(new Lock(4, 0, 0, -1), Right.ADMIN)).isTrue();

        ObjectAuth vm = obj(ObjectType.VM, 10, 2, 1, 0600);
        assertThat(auth.allowed(ALICE, Right.USE, vm, manage)).isTrue();
        assertThat(auth.allowed(ALICE, Right.MANAGE, vm, manage)).isFalse();
        assertThatThrownBy(() -> auth.check("one.vm.action", ONEADMIN, Right.MANAGE, vm, manage))
                .hasMessage("[one.vm.action] User [0] : VM is locked. [10].");
        assertThatThrownBy(() -> auth.check("one.vm.action", ALICE, Right.MANAGE, vm, manage))
                .hasMessage("[one.vm.action] User [2] : Not authorized to perform MANAGE VM [10].");
        assertThatCode(() -> auth.check("one.vm.info", ALICE, Right.USE, vm, manage)).doesNotThrowAnyException();
    }

    @Test
    void visibilityFollowsReverseSearch() {
        addRule("#4 VM/#10 USE");
        addRule("#4 VM/#11 MANAGE");
        addRule("@100 VM/@7 USE+MANAGE");
        addRule("@100 NET/%5 USE");
        addRule("@100 NET/#3 USE");
        rules.add(AclRule.parse(90, "#4 VM/#12 USE #2", 0));
        Authorizer.Visibility vms = auth.visibility(CAROL, ObjectType.VM);
        assertThat(vms.all()).isFalse();
        assertThat(vms.ids()).containsExactly(10);
        assertThat(vms.gids()).containsExactly(7);
        assertThat(vms.clusterIds()).isEmpty();
        Authorizer.Visibility nets = auth.visibility(CAROL, ObjectType.NET);
        assertThat(nets.clusterIds()).containsExactly(5);
        assertThat(nets.ids()).containsExactly(3);
        assertThat(auth.visibility(CAROL, ObjectType.NET, false, true, false).clusterIds()).isEmpty();
        assertThat(auth.visibility(CAROL, ObjectType.VM, false, false, true).gids()).isEmpty();

        assertThat(auth.visibility(CAROL, ObjectType.ZONE)).isEqualTo(Authorizer.Visibility.ALL);
        assertThat(auth.visibility(ONEADMIN, ObjectType.HOST).all()).isTrue();
        assertThat(auth.visibility(BOB, ObjectType.VM)).isEqualTo(
                new Authorizer.Visibility(false, Set.of(), Set.of(), Set.of()));
        assertThat(auth.visibility(CAROL, ObjectType.ZONE, true, false, false).all()).isFalse();

        addRule("* VM/* USE");
        assertThat(auth.visibility(CAROL, ObjectType.VM)).isEqualTo(Authorizer.Visibility.ALL);
    }

    @Test
    void visibleCombinesOwnershipBitsAndRules() {
        addRule("#4 VM/#10 USE");
        Authorizer.Visibility v = auth.visibility(CAROL, ObjectType.VM);
        assertThat(Authorizer.visible(CAROL, v, obj(ObjectType.VM, 10, 2, 1, 0600))).isTrue();
        assertThat(Authorizer.visible(CAROL, v, obj(ObjectType.VM, 11, 4, 1, 0600))).isTrue();
        assertThat(Authorizer.visible(CAROL, v, obj(ObjectType.VM, 12, 2, 100, 0640))).isTrue();
        assertThat(Authorizer.visible(CAROL, v, obj(ObjectType.VM, 13, 2, 1, 0604))).isTrue();
        assertThat(Authorizer.visible(CAROL, v, obj(ObjectType.VM, 14, 2, 1, 0640))).isFalse();
        assertThat(Authorizer.visible(CAROL, v, obj(ObjectType.VM, 15, 2, 100, 0600))).isFalse();
    }

    @Test
    void seesRuleChangesOfALiveCollection() {
        ObjectAuth vm = obj(ObjectType.VM, 10, 2, 1, 0600);
        assertThat(auth.allowed(CAROL, Right.USE, vm)).isFalse();
        addRule("#4 VM/#10 USE");
        assertThat(auth.allowed(CAROL, Right.USE, vm)).isTrue();
        // Same size: one rule out, another in.
        rules.remove(rules.size() - 1);
        rules.add(AclRule.parse(200, "#4 VM/#11 USE", 0));
        assertThat(auth.allowed(CAROL, Right.USE, vm)).isFalse();
        // Same size and same highest ID, different content.
        rules.set(rules.size() - 1, AclRule.parse(200, "#4 VM/#10 USE", 0));
        assertThat(auth.allowed(CAROL, Right.USE, vm)).isTrue();
        rules.clear();
        assertThat(auth.allowed(ALICE, Right.CREATE, ObjectAuth.forCreate(ObjectType.VM))).isFalse();
    }

    @Test
    void aTypicalCheckTakesWellUnderAMicrosecond() {
        for (int i = 0; i < 17; i++) {
            addRule((i % 2 == 0 ? "#" : "@") + (1000 + i) + " VM+NET/#" + i + " USE+MANAGE");
        }
        assertThat(rules).hasSize(20);
        List<ObjectAuth> objects = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            objects.add(obj(ObjectType.VM, i, 9, 9, 0600));
        }
        Subject s = new Subject(1004, 1001, Set.of(1001, 1), "u", "g");
        int granted = 0;
        for (int round = 0; round < 3; round++) {
            long start = System.nanoTime();
            int n = 300_000;
            for (int i = 0; i < n; i++) {
                if (auth.allowed(s, Right.MANAGE, objects.get(i & 63))) {
                    granted++;
                }
            }
            long perCall = (System.nanoTime() - start) / n;
            if (round == 2) {
                System.out.println("Authorizer.allowed: " + perCall + " ns per call");
                // Generous bound so a loaded CI machine does not fail; typical runs are far below 1 µs.
                assertThat(perCall).isLessThan(5_000);
            }
        }
        assertThat(granted).isPositive();
    }
}
