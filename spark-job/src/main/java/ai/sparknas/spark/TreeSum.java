package ai.sparknas.spark;

import java.io.Serializable;
import java.util.ArrayList;

/**
 * Sums partition results in a fixed binary tree over partition indices, whatever order they
 * arrive in: node (level l, index i) covers partitions [i·2^l, (i+1)·2^l) and is formed as
 * left + right of its two children once both are present. Floating-point addition is commutative,
 * so with the tree fixed the result is bit-identical for any task completion order, any
 * {@code treeAggregate} depth and any re-executed task: a run with a fixed partition count is
 * reproducible bit for bit, which a plain {@code reduce} (merging in completion order) is not.
 */
public final class TreeSum implements Serializable {

    private static final long serialVersionUID = 1L;

    /** One subtree's sum. */
    static final class Node implements Serializable {
        private static final long serialVersionUID = 1L;
        int level;
        long index;
        PartitionSums sums;

        Node() {
        }

        Node(int level, long index, PartitionSums sums) {
            this.level = level;
            this.index = index;
            this.sums = sums;
        }
    }

    int partitions;
    ArrayList<Node> nodes = new ArrayList<>();

    /** For Kryo. */
    TreeSum() {
    }

    /** An empty sum over {@code partitions} partitions (the zero of the aggregation). */
    TreeSum(int partitions) {
        this.partitions = partitions;
    }

    /** Adds partition {@code partition}'s result. */
    TreeSum add(int partition, PartitionSums sums) {
        if (partition < 0 || partition >= partitions) {
            throw new IllegalStateException("partition " + partition + " outside [0, " + partitions + ")");
        }
        insert(new Node(0, partition, sums));
        return this;
    }

    /** Merges another partial sum of the same partitions into this one. */
    TreeSum merge(TreeSum other) {
        if (other.partitions != partitions) {
            throw new IllegalStateException("cannot merge sums over " + partitions + " and " + other.partitions
                    + " partitions");
        }
        for (Node n : other.nodes) {
            insert(n);
        }
        return this;
    }

    /** The total, once every partition has been added. */
    PartitionSums total() {
        if (nodes.size() != 1 || nodes.get(0).index != 0 || (1L << nodes.get(0).level) < partitions) {
            throw new IllegalStateException("only " + covered() + " of " + partitions + " partitions reported sums");
        }
        return nodes.get(0).sums;
    }

    private long covered() {
        long c = 0;
        for (Node n : nodes) {
            long from = n.index << n.level;
            c += Math.min(partitions, from + (1L << n.level)) - from;
        }
        return c;
    }

    /** Inserts a node and collapses complete sibling pairs upwards. */
    private void insert(Node n) {
        while (true) {
            if ((1L << n.level) >= partitions && n.index == 0) {
                break; // the root
            }
            long sibling = n.index ^ 1;
            if ((sibling << n.level) >= partitions) {
                n = new Node(n.level + 1, n.index >> 1, n.sums); // no sibling: promote unchanged
                continue;
            }
            Node s = take(n.level, sibling);
            if (s == null) {
                break;
            }
            Node left = (n.index & 1) == 0 ? n : s;
            Node right = left == n ? s : n;
            n = new Node(n.level + 1, n.index >> 1, left.sums.plus(right.sums));
        }
        for (Node m : nodes) {
            if (m.level == n.level && m.index == n.index) {
                throw new IllegalStateException("partition sums reported twice for partitions from "
                        + (n.index << n.level));
            }
        }
        nodes.add(n);
    }

    private Node take(int level, long index) {
        for (int i = 0; i < nodes.size(); i++) {
            Node m = nodes.get(i);
            if (m.level == level && m.index == index) {
                return nodes.remove(i);
            }
        }
        return null;
    }
}
