package dev.nimbo.server.it;

import static dev.nimbo.server.it.Rpc.ACTION;
import static dev.nimbo.server.it.Rpc.ALLOCATE;
import static dev.nimbo.server.it.Rpc.AUTHENTICATION;
import static dev.nimbo.server.it.Rpc.AUTHORIZATION;
import static dev.nimbo.server.it.Rpc.INTERNAL;
import static dev.nimbo.server.it.Rpc.LOCKED;
import static dev.nimbo.server.it.Rpc.NO_EXISTS;
import static dev.nimbo.server.it.Rpc.XML_RPC_API;
import static dev.nimbo.server.it.Rpc.fails;
import static dev.nimbo.server.it.Rpc.ok;
import static dev.nimbo.server.it.Rpc.unique;
import static org.assertj.core.api.Assertions.assertThat;

import dev.nimbo.client.OneClient;
import dev.nimbo.client.OneResponse;
import dev.nimbo.core.xml.XmlNode;
import dev.nimbo.testing.NimbodProcess;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Virtual networks, VN templates and VM templates end to end over XML-RPC against a real nimbod: every
 * method, address ranges and leases, reservations by a tenant, quotas, VLAN assignment, concurrent lease
 * requests and permissions. One daemon for the class; names are unique per test.
 */
@ParallelSafe
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class VnetTemplateTest {

    private static final AtomicInteger SEQ = new AtomicInteger();

    NimbodProcess nimbod;
    OneClient admin;

    @BeforeAll
    void startDaemon() throws Exception {
        nimbod = NimbodProcess.start(Files.createTempDirectory("nimbod-vnet-"), null);
        admin = nimbod.client();
    }

    @AfterAll
    void stopDaemon() throws Exception {
        if (nimbod != null) {
            assertThat(nimbod.stop()).as("clean exit on SIGTERM").isZero();
        }
    }




    XmlNode info(OneClient c, String method, int id) {
        return XmlNode.parse(ok(c.call(method, id)).stringValue());
    }

    XmlNode vnet(int id) {
        return info(admin, "one.vn.info", id);
    }

    static List<XmlNode> leases(XmlNode vnet) {
        List<XmlNode> out = new ArrayList<>();
        for (XmlNode ar : vnet.child("AR_POOL").all("AR")) {
            XmlNode ls = ar.child("LEASES");
            if (ls != null) {
                out.addAll(ls.all("LEASE"));
            }
        }
        return out;
    }

    int newUser(String name, Integer... groups) {
        return ok(admin.call("one.user.allocate", name, "pw", "", List.of((Object[]) groups))).intValue();
    }

    OneClient as(String user) {
        return nimbod.client(user + ":pw");
    }

    /** A bridge network with one IP4 range, open for USE to the users group. */
    int publicNetwork(String name, String ip, int size) {
        int id = ok(admin.call("one.vn.allocate", "NAME = " + name + "\nVN_MAD = bridge\nAR = [ TYPE = IP4, IP = " + ip
                + ", SIZE = " + size + " ]", -1)).intValue();
        ok(admin.call("one.vn.chmod", id, -1, -1, -1, 1, -1, -1, -1, -1, -1));
        ok(admin.call("one.vn.chown", id, -1, 1));
        return id;
    }

    // ------------------------------------------------------------------ networks

    @Test
    void networkLifeCycle() {
        String name = unique("net");
        int id = ok(admin.call("one.vn.allocate", "NAME = " + name + "\nVN_MAD = bridge\nDNS = 10.0.0.2\n"
                + "AR = [ TYPE = IP4, IP = 10.0.0.10, SIZE = 50, GATEWAY = 10.0.0.1 ]", -1)).intValue();
        XmlNode v = vnet(id);
        assertThat(v.text("NAME")).isEqualTo(name);
        assertThat(v.text("BRIDGE")).isEqualTo("onebr" + id);
        assertThat(v.text("BRIDGE_TYPE")).isEqualTo("linux");
        assertThat(v.text("VN_MAD")).isEqualTo("bridge");
        assertThat(v.text("STATE")).isEqualTo("1");
        assertThat(v.text("USED_LEASES")).isEqualTo("0");
        assertThat(v.child("CLUSTERS").all("ID")).extracting(XmlNode::text).containsExactly("0");
        assertThat(v.child("TEMPLATE").text("SECURITY_GROUPS")).isEqualTo("0");
        assertThat(v.child("TEMPLATE").text("DNS")).isEqualTo("10.0.0.2");
        XmlNode ar = v.child("AR_POOL").child("AR");
        assertThat(ar.text("AR_ID")).isEqualTo("0");
        assertThat(ar.text("MAC")).isEqualTo("02:00:0a:00:00:0a");
        assertThat(ar.text("MAC_END")).isEqualTo("02:00:0a:00:00:3b");
        assertThat(ar.text("IP_END")).isEqualTo("10.0.0.59");
        assertThat(ar.text("GATEWAY")).isEqualTo("10.0.0.1");
        assertThat(ar.child("ALLOCATED")).isNull();
        OneResponse cluster = admin.call("one.cluster.info", 0);
        if (cluster.ok()) {
            assertThat(cluster.stringValue()).contains("<VNETS>").contains("<ID>" + id + "</ID>");
        }

        ok(admin.call("one.vn.update", id, "MTU = 9000", 1));
        assertThat(vnet(id).child("TEMPLATE").text("MTU")).isEqualTo("9000");
        ok(admin.call("one.vn.update", id, "VN_MAD = bridge\nBRIDGE = br-new", 0));
        v = vnet(id);
        assertThat(v.text("BRIDGE")).isEqualTo("br-new");
        assertThat(v.child("TEMPLATE").child("MTU")).isNull();
        fails(admin.call("one.vn.update", id, "MTU = 1", 0), ACTION, "No VN_MAD in template");
        fails(admin.call("one.vn.update", id, "VN_MAD = bogus", 1), ACTION, "VN_MAD named \"bogus\" is not defined");
        fails(admin.call("one.vn.update", id, "A = [", 1), XML_RPC_API, "Parse error");

        ok(admin.call("one.vn.rename", id, name + "-r"));
        fails(admin.call("one.vn.rename", id, "bad/name"), ACTION, "Invalid NAME");
        ok(admin.call("one.vn.chmod", id, -1, -1, -1, 1, 1, -1, 1, -1, -1));
        assertThat(vnet(id).child("PERMISSIONS").text("GROUP_M")).isEqualTo("1");
        ok(admin.call("one.vn.chown", id, -1, 1));
        assertThat(vnet(id).text("GNAME")).isEqualTo("users");

        ok(admin.call("one.vn.lock", id, 2, false));
        assertThat(vnet(id).child("LOCK").text("LOCKED")).isEqualTo("2");
        fails(admin.call("one.vn.update", id, "X = 1", 1), LOCKED, "locked");
        fails(admin.call("one.vn.delete", id), LOCKED, "locked");
        fails(admin.call("one.vn.hold", id, "LEASES = [ IP = 10.0.0.10 ]"), LOCKED, "locked");
        ok(admin.call("one.vn.unlock", id));

        String pool = ok(admin.call("one.vnpool.info", -2, id, id)).stringValue();
        assertThat(pool).startsWith("<VNET_POOL><VNET><ID>" + id + "</ID>").contains("<ALLOCATED>")
                .doesNotContain("<MAC_END>");
        ok(admin.call("one.vn.delete", id));
        fails(admin.call("one.vn.info", id), NO_EXISTS, "Error getting virtual network [" + id + "]");
        if (cluster.ok()) {
            assertThat(ok(admin.call("one.cluster.info", 0)).stringValue()).doesNotContain("<ID>" + id + "</ID></VNETS>");
        }
    }

    @Test
    void badNetworkDefinitionsAreRefused() {
        String name = unique("bad");
        fails(admin.call("one.vn.allocate", "VN_MAD = bridge", -1), ALLOCATE, "No NAME in template");
        fails(admin.call("one.vn.allocate", "NAME = " + name, -1), ALLOCATE, "No VN_MAD in template");
        fails(admin.call("one.vn.allocate", "NAME = " + name + "\nVN_MAD = warp", -1), ALLOCATE,
                "VN_MAD named \"warp\" is not defined");
        fails(admin.call("one.vn.allocate", "NAME = " + name + "\nVN_MAD = 802.1Q\nVLAN_ID = 7", -1), ALLOCATE,
                "PHYDEV is mandatory for driver 802.1Q");
        fails(admin.call("one.vn.allocate", "NAME = " + name + "\nVN_MAD = bridge\nAR = [ TYPE = IP4, IP = 10.0.0.1, SIZE = 0 ]",
                -1), ALLOCATE, "Wrong SIZE for address range");
        fails(admin.call("one.vn.allocate", "NAME = " + name + "\nVN_MAD = bridge\nAR = [ TYPE = IP4, IP = 10.0.0.300, SIZE = 2 ]",
                -1), ALLOCATE, "Wrong or empty IP attribute");
        fails(admin.call("one.vn.allocate", "NAME = " + name + "\nVN_MAD = bridge\nAR = [ TYPE = ETHER, MAC = \"02:00:zz:00:00:01\","
                + " SIZE = 2 ]", -1), ALLOCATE, "Wrong format for MAC attribute");
        fails(admin.call("one.vn.allocate", "NAME = " + name + "\nVN_MAD = bridge\nAR = [ TYPE = IP4, IP = 10.0.0.1, SIZE = 10 ]\n"
                + "AR = [ TYPE = IP4, IP = 10.0.0.5, SIZE = 10, MAC = \"02:99:00:00:00:00\" ]", -1), ALLOCATE, "overlap");
        fails(admin.call("one.vn.allocate", "NAME = " + name + "\nVN_MAD = bridge", 4242), NO_EXISTS, "Error getting cluster [4242]");
        fails(admin.call("one.vn.allocate", "NAME = " + name + "\nVN_MAD = bridge\nA = [", -1), XML_RPC_API, "Parse error");
        assertThat(ok(admin.call("one.vnpool.info", -2, -1, -1)).stringValue()).doesNotContain(name);
        int id = ok(admin.call("one.vn.allocate", "NAME = " + name + "\nVN_MAD = bridge", -1)).intValue();
        fails(admin.call("one.vn.allocate", "NAME = " + name + "\nVN_MAD = bridge", -1), ALLOCATE,
                "NAME is already taken by NET " + id);
        fails(admin.call("one.vnpool.info", -9, -1, -1), XML_RPC_API, "filter_flag");
        fails(admin.call("one.vn.recover", id, 9), ACTION, "Wrong recovery operation code");
        fails(admin.call("one.vn.recover", id, 0), ACTION, "Could not perform 'recover failure' on VN " + id + ", wrong state READY");
        ok(admin.call("one.vn.recover", id, 4));
        ok(admin.call("one.vn.delete", id));
    }

    @Test
    void addressRangesAndHolds() {
        int id = ok(admin.call("one.vn.allocate", "NAME = " + unique("ars") + "\nVN_MAD = bridge\n"
                + "AR = [ TYPE = IP4, IP = 192.168.10.1, SIZE = 10 ]", -1)).intValue();
        ok(admin.call("one.vn.add_ar", id, "AR = [ TYPE = IP6, SIZE = 5, GLOBAL_PREFIX = \"2001:db8::\" ]"));
        ok(admin.call("one.vn.add_ar", id, "AR = [ TYPE = IP4_6_STATIC, IP = 192.168.20.1, IP6 = \"fd00::100\", "
                + "PREFIX_LENGTH = 64, SIZE = 4 ]"));
        ok(admin.call("one.vn.add_ar", id, "<TEMPLATE><AR><TYPE>ETHER</TYPE><SIZE>3</SIZE><MAC>02:bb:00:00:00:00</MAC></AR></TEMPLATE>"));
        XmlNode v = vnet(id);
        List<XmlNode> ars = v.child("AR_POOL").all("AR");
        assertThat(ars).extracting(a -> a.text("AR_ID")).containsExactly("0", "1", "2", "3");
        assertThat(ars.get(1).text("IP6_GLOBAL")).startsWith("2001:db8::");
        assertThat(ars.get(2).text("IP6_END")).isEqualTo("fd00::103");
        assertThat(ars.get(3).text("MAC_END")).isEqualTo("02:bb:00:00:00:02");

        fails(admin.call("one.vn.add_ar", id, "AR = [ TYPE = IP4, IP = 192.168.10.5, SIZE = 2 ]"), ACTION, "overlap");
        fails(admin.call("one.vn.add_ar", id, "AR = [ TYPE = IP4, IP = 192.168.30.1, SIZE = 0 ]"), ACTION, "Wrong SIZE");
        fails(admin.call("one.vn.add_ar", id, "AR = [ TYPE = ETHER, SIZE = 2, MAC = \"01:00:5e:00:00:01\" ]"), ACTION, "multicast");
        fails(admin.call("one.vn.add_ar", id, "NOTHING = 1"), ACTION, "AR vector attribute is missing");
        fails(admin.call("one.vn.add_ar", 987654, "AR = [ TYPE = ETHER, SIZE = 1 ]"), NO_EXISTS, "[987654]");

        ok(admin.call("one.vn.update_ar", id, "AR = [ AR_ID = 0, GATEWAY = 192.168.10.254, SIZE = 20 ]"));
        XmlNode ar0 = vnet(id).child("AR_POOL").child("AR");
        assertThat(ar0.text("GATEWAY")).isEqualTo("192.168.10.254");
        assertThat(ar0.text("IP_END")).isEqualTo("192.168.10.20");
        fails(admin.call("one.vn.update_ar", id, "AR = [ AR_ID = 2, SIZE = many ]"), ACTION, "Unable to read the SIZE");
        fails(admin.call("one.vn.update_ar", id, "AR = [ AR_ID = 0, SIZE = 3000 ]"), ACTION, "overlap");
        fails(admin.call("one.vn.update_ar", id, "AR = [ AR_ID = 17, SIZE = 2 ]"), ACTION, "Address Range with ID 17 was not found.");
        fails(admin.call("one.vn.update_ar", id, "AR = [ SIZE = 2 ]"), ACTION, "AR/AR_ID attribute is missing.");

        ok(admin.call("one.vn.hold", id, "LEASES = [ IP = 192.168.10.3 ]"));
        ok(admin.call("one.vn.hold", id, "LEASES = [ MAC = \"02:bb:00:00:00:01\", AR_ID = 3 ]"));
        ok(admin.call("one.vn.hold", id, "LEASES = [ IP6 = \"fd00::102\" ]"));
        fails(admin.call("one.vn.hold", id, "LEASES = [ IP = 192.168.10.3 ]"), ACTION, "Address is not part of the address range or in use.");
        fails(admin.call("one.vn.hold", id, "LEASES = [ IP = 172.16.0.1 ]"), ACTION, "not part of the address range");
        fails(admin.call("one.vn.hold", id, "LEASES = [ IP = 192.168.10.1, MAC = \"02:bb:00:00:00:00\" ]"), ACTION,
                "Only one attribute MAC, IP or IP6 can be set.");
        fails(admin.call("one.vn.hold", id, "LEASES = [ AR_ID = 0 ]"), ACTION, "Missing MAC, IP or IP6.");
        fails(admin.call("one.vn.hold", id, "IP = 1"), ACTION, "Empty lease description.");
        v = vnet(id);
        assertThat(v.text("USED_LEASES")).isEqualTo("3");
        assertThat(leases(v)).extracting(l -> l.text("VM")).containsOnly("-1");
        assertThat(leases(v)).extracting(l -> l.text("IP")).contains("192.168.10.3");

        fails(admin.call("one.vn.rm_ar", id, 0), ACTION, "Address Range has leases in use");
        fails(admin.call("one.vn.rm_ar", id, 9), ACTION, "Address Range does not exist");
        fails(admin.call("one.vn.delete", id), ACTION, "Can not remove a virtual network with leases in use");
        ok(admin.call("one.vn.release", id, "LEASES = [ IP = 192.168.10.3 ]"));
        fails(admin.call("one.vn.release", id, "LEASES = [ IP = 192.168.10.3 ]"), ACTION, "not on hold");
        ok(admin.call("one.vn.rm_ar", id, 0));
        ok(admin.call("one.vn.rm_ar", id, 3, true));
        ok(admin.call("one.vn.free_ar", id, 1));
        v = vnet(id);
        assertThat(v.child("AR_POOL").all("AR")).extracting(a -> a.text("AR_ID")).containsExactly("2");
        assertThat(v.text("USED_LEASES")).isEqualTo("1");
        ok(admin.call("one.vn.release", id, "LEASES = [ IP6 = \"fd00::102\", AR_ID = 2 ]"));
        ok(admin.call("one.vn.delete", id));
    }

    @Test
    void vlanIdsAreAssignedOncePerClusterAndBridgesNamed() throws Exception {
        String dev = "eth" + SEQ.incrementAndGet();
        int manual = ok(admin.call("one.vn.allocate", "NAME = " + unique("v") + "\nVN_MAD = 802.1Q\nPHYDEV = " + dev
                + "\nVLAN_ID = 7", -1)).intValue();
        XmlNode m = vnet(manual);
        assertThat(m.text("VLAN_ID")).isEqualTo("7");
        assertThat(m.text("BRIDGE")).isEqualTo("onebr.7");
        assertThat(m.text("VLAN_ID_AUTOMATIC")).isEqualTo("0");
        fails(admin.call("one.vn.allocate", "NAME = " + unique("v") + "\nVN_MAD = 802.1Q\nPHYDEV = " + dev + "\nVLAN_ID = 7", -1),
                ALLOCATE, "VLAN_ID 7 is already used by virtual network " + manual);
        fails(admin.call("one.vn.allocate", "NAME = " + unique("v") + "\nVN_MAD = ovswitch\nPHYDEV = " + dev + "\nVLAN_ID = 7", -1),
                ALLOCATE, "already used");
        ok(admin.call("one.vn.allocate", "NAME = " + unique("v") + "\nVN_MAD = 802.1Q\nPHYDEV = other" + dev + "\nVLAN_ID = 7", -1));

        ExecutorService pool = Executors.newFixedThreadPool(10);
        try {
            List<Future<Integer>> ids = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                String name = unique("auto");
                ids.add(pool.submit(() -> ok(admin.call("one.vn.allocate", "NAME = " + name + "\nVN_MAD = 802.1Q\nPHYDEV = " + dev
                        + "\nAUTOMATIC_VLAN_ID = YES", -1)).intValue()));
            }
            Set<String> vlans = new HashSet<>();
            vlans.add("7");
            for (Future<Integer> f : ids) {
                XmlNode v = vnet(f.get());
                assertThat(v.text("VLAN_ID_AUTOMATIC")).isEqualTo("1");
                assertThat(v.text("BRIDGE")).isEqualTo("onebr" + v.text("ID"));
                assertThat(v.child("TEMPLATE").child("VLAN_ID")).isNull();
                assertThat(vlans.add(v.text("VLAN_ID"))).as("VLAN %s handed out twice", v.text("VLAN_ID")).isTrue();
                assertThat(Integer.parseInt(v.text("VLAN_ID"))).isBetween(2, 4094);
            }
        } finally {
            pool.shutdownNow();
        }
        int vx = ok(admin.call("one.vn.allocate", "NAME = " + unique("vx") + "\nVN_MAD = vxlan\nPHYDEV = " + dev
                + "\nAUTOMATIC_VLAN_ID = YES", -1)).intValue();
        assertThat(vnet(vx).text("VLAN_ID")).isEqualTo(Integer.toString(2 + vx));
        // a manual VLAN_ID may change by update, not onto one in use
        fails(admin.call("one.vn.update", manual, "VLAN_ID = " + vnet(vx - 1).text("VLAN_ID"), 1), ACTION, "already used");
        ok(admin.call("one.vn.update", manual, "VLAN_ID = 4000", 1));
        assertThat(vnet(manual).text("VLAN_ID")).isEqualTo("4000");
    }

    // ------------------------------------------------------------------ reservations and quotas

    @Test
    void tenantsReserveAddressesIntoTheirOwnNetworks() {
        int parent = publicNetwork(unique("pub"), "10.20.0.1", 20);
        String tenant = unique("tenant");
        int uid = newUser(tenant);
        OneClient t = as(tenant);
        String rname = unique("mine");
        int rid = ok(t.call("one.vn.reserve", parent, "SIZE = 5\nNAME = " + rname)).intValue();
        XmlNode r = info(t, "one.vn.info", rid);
        assertThat(r.text("UID")).isEqualTo(Integer.toString(uid));
        assertThat(r.text("PARENT_NETWORK_ID")).isEqualTo(Integer.toString(parent));
        assertThat(r.text("BRIDGE")).isEqualTo(vnet(parent).text("BRIDGE"));
        XmlNode part = r.child("AR_POOL").child("AR");
        assertThat(part.text("PARENT_NETWORK_AR_ID")).isEqualTo("0");
        assertThat(part.text("IP")).isEqualTo("10.20.0.1");
        assertThat(part.text("SIZE")).isEqualTo("5");
        XmlNode p = vnet(parent);
        assertThat(p.text("USED_LEASES")).isEqualTo("5");
        assertThat(leases(p)).extracting(l -> l.text("VNET")).containsOnly(Integer.toString(rid));
        assertThat(ok(admin.call("one.user.info", uid)).stringValue()).contains("<LEASES_USED>5</LEASES_USED>");

        // into the existing reservation, from a chosen address
        ok(t.call("one.vn.reserve", parent, "SIZE = 2\nNETWORK_ID = " + rid + "\nAR_ID = 0\nIP = 10.20.0.11"));
        r = info(t, "one.vn.info", rid);
        assertThat(r.child("AR_POOL").all("AR")).extracting(a -> a.text("IP")).containsExactly("10.20.0.1", "10.20.0.11");
        fails(t.call("one.vn.reserve", parent, "SIZE = 2\nNETWORK_ID = " + rid + "\nAR_ID = 0\nIP = 10.20.0.12"), ACTION,
                "Not enough free addresses in address range 0");
        fails(t.call("one.vn.reserve", parent, "SIZE = 2\nIP = 10.20.0.15\nNAME = x"), ACTION, "AR_ID must be specified");
        fails(t.call("one.vn.reserve", parent, "SIZE = 0\nNAME = x"), ACTION, "Reservation SIZE must be a greater than 0");
        fails(t.call("one.vn.reserve", parent, "SIZE = 1"), ACTION, "NAME for reservation has to be set");
        fails(t.call("one.vn.reserve", rid, "SIZE = 1\nNAME = " + unique("x")), ACTION, "Cannot reserve addresses from a reserved VNET");
        fails(t.call("one.vn.reserve", parent, "SIZE = 1\nNETWORK_ID = " + parent), ACTION, "Cannot add a reservation from the same network");
        fails(t.call("one.vn.reserve", parent, "SIZE = 50\nNAME = " + unique("big")), ACTION, "Not enough free addresses");
        fails(t.call("one.vn.reserve", parent, "SIZE = 1\nNAME = " + rname), ACTION, "NAME is already taken");

        // the tenant uses, but does not manage, the parent
        fails(t.call("one.vn.add_ar", parent, "AR = [ TYPE = ETHER, SIZE = 1 ]"), AUTHORIZATION, "");
        fails(t.call("one.vn.delete", parent), AUTHORIZATION, "");
        fails(t.call("one.vn.hold", parent, "LEASES = [ IP = 10.20.0.19 ]"), AUTHORIZATION, "");
        fails(t.call("one.vn.add_ar", rid, "AR = [ TYPE = ETHER, SIZE = 1 ]"), AUTHORIZATION, "");
        fails(t.call("one.vn.update", rid, "VN_MAD = ovswitch", 1), AUTHORIZATION, "restricted attribute: VN_MAD");
        ok(t.call("one.vn.update", rid, "DESCRIPTION = mine", 1));
        assertThat(info(t, "one.vn.info", parent).text("USED_LEASES")).isEqualTo("7");
        assertThat(leases(info(t, "one.vn.info", parent))).extracting(l -> l.text("VNET")).containsOnly(Integer.toString(rid));
        String mine = ok(t.call("one.vnpool.info", -3, -1, -1)).stringValue();
        assertThat(mine).contains("<NAME>" + rname + "</NAME>").doesNotContain("<ID>" + parent + "</ID>");
        assertThat(ok(t.call("one.vnpool.info", -2, -1, -1)).stringValue()).contains("<ID>" + parent + "</ID>");

        // another tenant sees the public network but not the reservation
        String other = unique("other");
        newUser(other);
        assertThat(ok(as(other).call("one.vnpool.info", -2, -1, -1)).stringValue())
                .contains("<ID>" + parent + "</ID>").doesNotContain(rname);
        fails(as(other).call("one.vn.info", rid), AUTHORIZATION, "");
        assertThat(leases(info(as(other), "one.vn.info", parent))).isEmpty();

        // freeing a part gives the addresses and the quota back; deleting the reservation the rest
        ok(t.call("one.vn.free_ar", rid, 1));
        assertThat(vnet(parent).text("USED_LEASES")).isEqualTo("5");
        assertThat(ok(admin.call("one.user.info", uid)).stringValue()).contains("<LEASES_USED>5</LEASES_USED>");
        fails(admin.call("one.vn.delete", parent), ACTION, "leases in use");
        ok(t.call("one.vn.delete", rid));
        assertThat(vnet(parent).text("USED_LEASES")).isEqualTo("0");
        assertThat(ok(admin.call("one.user.info", uid)).stringValue()).doesNotContain("<LEASES_USED>5</LEASES_USED>");
        ok(admin.call("one.vn.delete", parent));
    }

    @Test
    void quotasRefuseOverLimitReservations() {
        int parent = publicNetwork(unique("q"), "10.30.0.1", 20);
        String tenant = unique("quser");
        int uid = newUser(tenant);
        ok(admin.call("one.user.quota", uid, "NETWORK = [ ID = " + parent + ", LEASES = 3 ]"));
        OneClient t = as(tenant);
        int rid = ok(t.call("one.vn.reserve", parent, "SIZE = 2\nNAME = " + unique("r"))).intValue();
        String big = unique("r");
        fails(t.call("one.vn.reserve", parent, "SIZE = 2\nNAME = " + big), AUTHORIZATION,
                "limit of 3 reached for LEASES quota in NETWORK with ID: " + parent);
        fails(t.call("one.vn.reserve", parent, "SIZE = 2\nNETWORK_ID = " + rid), AUTHORIZATION, "limit of 3 reached");
        assertThat(ok(admin.call("one.vnpool.info", -2, -1, -1)).stringValue()).doesNotContain(big);
        assertThat(vnet(parent).text("USED_LEASES")).isEqualTo("2");
        assertThat(ok(admin.call("one.user.info", uid)).stringValue()).contains("<LEASES_USED>2</LEASES_USED>");
        ok(t.call("one.vn.reserve", parent, "SIZE = 1\nNETWORK_ID = " + rid));
        assertThat(vnet(parent).text("USED_LEASES")).isEqualTo("3");
    }

    @Test
    void concurrentLeaseRequestsNeverCollide() throws Exception {
        int id = ok(admin.call("one.vn.allocate", "NAME = " + unique("busy") + "\nVN_MAD = bridge\n"
                + "AR = [ TYPE = IP4, IP = 10.40.0.1, SIZE = 200 ]", -1)).intValue();
        ExecutorService pool = Executors.newFixedThreadPool(32);
        try {
            List<Callable<OneResponse>> work = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                String ip = "10.40.0." + (101 + i);
                work.add(() -> admin.call("one.vn.hold", id, "LEASES = [ IP = " + ip + " ]"));
                String name = unique("res");
                work.add(() -> admin.call("one.vn.reserve", id, "SIZE = 1\nNAME = " + name));
                work.add(() -> admin.call("one.vn.hold", id, "LEASES = [ IP = 10.40.0.200 ]"));
            }
            List<Future<OneResponse>> results = pool.invokeAll(work);
            int sameIpWins = 0;
            List<Integer> reservations = new ArrayList<>();
            for (int i = 0; i < results.size(); i++) {
                OneResponse r = results.get(i).get();
                if (i % 3 == 2) {
                    sameIpWins += r.ok() ? 1 : 0;
                } else {
                    ok(r);
                    if (i % 3 == 1) {
                        reservations.add(r.intValue());
                    }
                }
            }
            assertThat(sameIpWins).as("one IP held by exactly one of 50 racing requests").isEqualTo(1);
            XmlNode v = vnet(id);
            List<XmlNode> all = leases(v);
            assertThat(all).hasSize(101);
            assertThat(v.text("USED_LEASES")).isEqualTo("101");
            assertThat(all.stream().map(l -> l.text("IP")).distinct()).hasSize(101);
            Set<String> reservedIps = new HashSet<>();
            for (int rid : reservations) {
                XmlNode r = vnet(rid);
                assertThat(r.child("AR_POOL").all("AR")).hasSize(1);
                assertThat(reservedIps.add(r.child("AR_POOL").child("AR").text("IP"))).isTrue();
            }
            assertThat(reservedIps).hasSize(50);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void everythingSurvivesARestart() throws Exception {
        int parent = publicNetwork(unique("dur"), "10.60.0.1", 10);
        ok(admin.call("one.vn.hold", parent, "LEASES = [ IP = 10.60.0.9 ]"));
        int rid = ok(admin.call("one.vn.reserve", parent, "SIZE = 3\nNAME = " + unique("durres"))).intValue();
        int vnt = ok(admin.call("one.vntemplate.allocate", "NAME = " + unique("durvnt") + "\nVN_MAD = bridge")).intValue();
        int tpl = ok(admin.call("one.template.allocate", "NAME = " + unique("durtpl") + "\nCPU = 1")).intValue();
        String before = vnet(parent).toString() + vnet(rid) + info(admin, "one.vntemplate.info", vnt)
                + info(admin, "one.template.info", tpl);
        assertThat(nimbod.stop()).isZero();
        nimbod.restart();
        String after = vnet(parent).toString() + vnet(rid) + info(admin, "one.vntemplate.info", vnt)
                + info(admin, "one.template.info", tpl);
        assertThat(after).isEqualTo(before);
        // the next lease continues after the reserved block, as before the restart
        ok(admin.call("one.vn.hold", parent, "LEASES = [ IP = 10.60.0.4 ]"));
        fails(admin.call("one.vn.hold", parent, "LEASES = [ IP = 10.60.0.2 ]"), ACTION, "in use");
    }

    // ------------------------------------------------------------------ VN templates

    @Test
    void vnTemplatesInstantiateNetworksForTheirUsers() {
        String name = unique("vnt");
        int tid = ok(admin.call("one.vntemplate.allocate", "NAME = " + name + "\nVN_MAD = bridge\n"
                + "AR = [ TYPE = IP4, IP = 10.50.0.1, SIZE = 8 ]\nDNS = 1.1.1.1")).intValue();
        XmlNode t = info(admin, "one.vntemplate.info", tid);
        assertThat(t.text("NAME")).isEqualTo(name);
        assertThat(t.text("REGTIME")).isNotEqualTo("0");
        assertThat(t.child("TEMPLATE").text("VN_MAD")).isEqualTo("bridge");
        fails(admin.call("one.vntemplate.allocate", "NAME = " + unique("x")), ALLOCATE, "VN_MAD is mandatory");
        fails(admin.call("one.vntemplate.allocate", "NAME = " + name + "\nVN_MAD = bridge"), ALLOCATE,
                "NAME is already taken by VNTEMPLATE " + tid);
        ok(admin.call("one.vntemplate.update", tid, "MTU = 1400", 1));
        ok(admin.call("one.vntemplate.rename", tid, name + "-r"));
        int copy = ok(admin.call("one.vntemplate.clone", tid, unique("copy"))).intValue();
        assertThat(info(admin, "one.vntemplate.info", copy).child("TEMPLATE").text("MTU")).isEqualTo("1400");
        ok(admin.call("one.vntemplate.lock", copy, 1, false));
        fails(admin.call("one.vntemplate.delete", copy), LOCKED, "locked");
        ok(admin.call("one.vntemplate.unlock", copy));
        ok(admin.call("one.vntemplate.delete", copy));
        fails(admin.call("one.vntemplate.info", copy), NO_EXISTS, "");

        String tenant = unique("vntu");
        int uid = newUser(tenant);
        OneClient u = as(tenant);
        fails(u.call("one.vntemplate.allocate", "NAME = x\nVN_MAD = bridge"), AUTHORIZATION, "");
        fails(u.call("one.vntemplate.instantiate", tid, "", ""), AUTHORIZATION, "");
        ok(admin.call("one.vntemplate.chmod", tid, -1, -1, -1, -1, -1, -1, 1, -1, -1));
        assertThat(ok(u.call("one.vntemplatepool.info", -2, -1, -1)).stringValue()).contains("<ID>" + tid + "</ID>");
        fails(u.call("one.vntemplate.instantiate", tid, "", "VN_MAD = ovswitch"), AUTHORIZATION, "restricted attribute VN_MAD");
        int net = ok(u.call("one.vntemplate.instantiate", tid, "", "AR = [ TYPE = IP4, IP = 10.50.1.1, SIZE = 4 ]")).intValue();
        XmlNode n = info(u, "one.vn.info", net);
        assertThat(n.text("NAME")).isEqualTo(name + "-r-" + net);
        assertThat(n.text("UID")).isEqualTo(Integer.toString(uid));
        assertThat(n.text("TEMPLATE_ID")).isEqualTo(Integer.toString(tid));
        assertThat(n.child("AR_POOL").all("AR")).hasSize(2);
        assertThat(n.child("TEMPLATE").text("DNS")).isEqualTo("1.1.1.1");
        // made from a VN template: its owner may add ranges without ADMIN
        ok(u.call("one.vn.add_ar", net, "AR = [ TYPE = IP4, IP = 10.50.2.1, SIZE = 2 ]"));
        int named = ok(u.call("one.vntemplate.instantiate", tid, unique("named"), "")).intValue();
        assertThat(info(u, "one.vn.info", named).text("NAME")).startsWith("named");
        fails(u.call("one.vntemplate.delete", tid), AUTHORIZATION, "");
        ok(admin.call("one.vntemplate.chown", tid, uid, -1));
        ok(u.call("one.vntemplate.delete", tid));
    }

    // ------------------------------------------------------------------ VM templates

    @Test
    void vmTemplatesForTenantsAndGroupAdmins() {
        int gid = ok(admin.call("one.group.allocate", unique("team"))).intValue();
        String boss = unique("boss");
        String member = unique("member");
        String outsider = unique("outsider");
        int bossId = newUser(boss, gid, 1);
        int memberId = newUser(member, gid, 1);
        newUser(outsider);
        ok(admin.call("one.group.addadmin", gid, bossId));
        OneClient m = as(member);

        String name = unique("flavor");
        int tid = ok(m.call("one.template.allocate", "NAME = " + name + "\nCPU = 1\nMEMORY = 2048\n"
                + "NIC = [ NETWORK = \"pub\" ]")).intValue();
        XmlNode t = info(m, "one.template.info", tid);
        assertThat(t.text("UID")).isEqualTo(Integer.toString(memberId));
        assertThat(t.text("GID")).isEqualTo(Integer.toString(gid));
        assertThat(t.child("TEMPLATE").text("MEMORY")).isEqualTo("2048");
        assertThat(t.child("TEMPLATE").child("NAME")).isNull();
        assertThat(ok(m.call("one.template.info", tid, true, false)).stringValue()).startsWith("<VMTEMPLATE><ID>" + tid);
        fails(m.call("one.template.allocate", "NAME = " + name + "\nCPU = 1"), ALLOCATE, "NAME is already taken by TEMPLATE " + tid);
        fails(m.call("one.template.allocate", "CPU = 1"), ALLOCATE, "Invalid NAME");
        fails(m.call("one.template.allocate", "NAME = " + unique("mac") + "\nNIC = [ MAC = \"02:00:00:00:00:01\" ]"),
                AUTHORIZATION, "VM Template includes a restricted attribute NIC/MAC");
        fails(m.call("one.template.update", tid, "PCI = [ VENDOR = 1 ]", 1), AUTHORIZATION, "restricted attribute: PCI");
        ok(m.call("one.template.update", tid, "CPU = 2", 1));
        assertThat(info(m, "one.template.info", tid).child("TEMPLATE").text("CPU")).isEqualTo("2");
        ok(m.call("one.template.update", tid, "CPU = 4", 0));
        assertThat(info(m, "one.template.info", tid).child("TEMPLATE").child("MEMORY")).isNull();

        // the group admin sees and manages the member's template; an outsider does not
        OneClient b = as(boss);
        assertThat(ok(b.call("one.templatepool.info", -2, -1, -1)).stringValue()).contains("<NAME>" + name + "</NAME>");
        ok(b.call("one.template.rename", tid, name + "-b"));
        OneClient o = as(outsider);
        assertThat(ok(o.call("one.templatepool.info", -2, -1, -1)).stringValue()).doesNotContain(name);
        fails(o.call("one.template.info", tid), AUTHORIZATION, "");
        fails(o.call("one.template.clone", tid, unique("steal"), false), AUTHORIZATION, "");
        ok(m.call("one.template.chmod", tid, -1, -1, -1, -1, -1, -1, 1, -1, -1, true));
        int stolen = ok(o.call("one.template.clone", tid, unique("copy"), false)).intValue();
        assertThat(info(o, "one.template.info", stolen).child("TEMPLATE").text("CPU")).isEqualTo("4");
        fails(o.call("one.template.delete", tid), AUTHORIZATION, "");
        fails(m.call("one.template.chmod", tid, -1, -1, 1, -1, -1, -1, -1, -1, -1), AUTHORIZATION, "");

        ok(m.call("one.template.lock", tid, 4, false));
        fails(m.call("one.template.update", tid, "CPU = 1", 1), LOCKED, "locked");
        fails(m.call("one.template.lock", tid, 2, true), ACTION, "already locked");
        ok(m.call("one.template.unlock", tid));

        // recursive clone of a template whose image cannot be cloned: nothing is left behind
        int withDisk = ok(m.call("one.template.allocate", "NAME = " + unique("disk") + "\nDISK = [ IMAGE_ID = 987654 ]")).intValue();
        String cloneName = unique("deep");
        fails(m.call("one.template.clone", withDisk, cloneName, true), ACTION, "Failed to clone images");
        assertThat(ok(m.call("one.templatepool.info", -3, -1, -1)).stringValue()).doesNotContain(cloneName);
        int shallow = ok(m.call("one.template.clone", tid, unique("shallow"), true)).intValue();
        ok(m.call("one.template.delete", shallow, true));

        ok(admin.call("one.template.chown", tid, 0, 0));
        fails(m.call("one.template.update", tid, "CPU = 1", 1), AUTHORIZATION, "");
        ok(admin.call("one.template.delete", tid));
        fails(admin.call("one.template.info", tid), NO_EXISTS, "Error getting virtual machine template [" + tid + "]");
    }
}
