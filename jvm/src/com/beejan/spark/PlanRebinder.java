package com.beejan.spark;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.spark.api.python.PythonUtils;
import org.apache.spark.sql.catalyst.expressions.AttributeMap$;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.catalyst.plans.logical.Statistics;
import org.apache.spark.sql.classic.SparkSession;
import org.apache.spark.sql.execution.LogicalRDD;

/**
 * Re-binds an analysed plan built over materialised inputs (the {@code LogicalRDD} leaves that
 * {@code Dataset.localCheckpoint} makes) to other inputs of the same shape.
 *
 * <p>Why: PySpark analyses every DataFrame call as it is made, so building a plan of ~80 calls
 * costs most of a second of driver time, every micro-batch, for a plan that differs from the last
 * one only in the RDD it reads. Re-binding copies the template's input leaves with the new
 * batch's RDD and keeps their attributes, so the rest of the analysed plan stays valid as it is.
 */
public final class PlanRebinder {
  private PlanRebinder() {}

  /**
   * True when {@code plan}, made from {@code inputs}, can be re-bound to other inputs: every leaf
   * of every input is a LogicalRDD (the only leaves whose rows a copy can swap), no input has a
   * subquery, and no subquery anywhere in {@code plan} reads one of their leaves.
   */
  public static boolean canRebind(LogicalPlan plan, List<LogicalPlan> inputs) {
    for (LogicalPlan input : inputs) {
      if (!isRebindableInput(input)) {
        return false;
      }
    }
    List<Integer> ids = new ArrayList<>();
    for (LogicalRDD leaf : leaves(inputs)) {
      ids.add(leaf.rdd().id());
    }
    return !readsInSubquery(plan, ids, false);
  }

  private static boolean isRebindableInput(LogicalPlan input) {
    if (!input.subqueries().isEmpty()) {
      return false;
    }
    if (input.children().isEmpty()) {
      return input instanceof LogicalRDD;
    }
    scala.collection.immutable.Seq<LogicalPlan> children = input.children();
    for (int i = 0; i < children.size(); i++) {
      if (!isRebindableInput(children.apply(i))) {
        return false;
      }
    }
    return true;
  }

  /**
   * {@code template} with every LogicalRDD that reads one of {@code templateInputs}' RDDs replaced
   * by a copy reading the matching leaf of {@code freshInputs} (same position in a pre-order walk
   * of the inputs, in order), with the template leaf's attributes. Subtrees that read no input
   * are shared with the template, analysed as they are.
   *
   * @throws IllegalArgumentException when the inputs' leaves do not match one to one by schema
   */
  public static LogicalPlan rebind(
      LogicalPlan template, List<LogicalPlan> templateInputs, List<LogicalPlan> freshInputs, SparkSession session) {
    List<LogicalRDD> old = leaves(templateInputs);
    List<LogicalRDD> fresh = leaves(freshInputs);
    if (old.size() != fresh.size()) {
      throw new IllegalArgumentException(
          "inputs differ: " + old.size() + " leaves in the template, " + fresh.size() + " now");
    }
    Map<Integer, LogicalRDD> byRdd = new HashMap<>();
    for (int i = 0; i < old.size(); i++) {
      // Equal, nullability included: the plan above was optimised for the template's.
      if (!old.get(i).schema().equals(fresh.get(i).schema())) {
        throw new IllegalArgumentException("input leaf " + i + " has another schema");
      }
      LogicalRDD before = byRdd.put(old.get(i).rdd().id(), fresh.get(i));
      if (before != null && before.rdd().id() != fresh.get(i).rdd().id()) {
        throw new IllegalArgumentException("one template input read where the fresh inputs read two");
      }
    }
    return replace(template, byRdd, session);
  }

  private static LogicalPlan replace(LogicalPlan node, Map<Integer, LogicalRDD> byRdd, SparkSession session) {
    if (node instanceof LogicalRDD) {
      LogicalRDD leaf = (LogicalRDD) node;
      LogicalRDD fresh = byRdd.get(leaf.rdd().id());
      if (fresh == null) {
        return node;
      }
      // Column statistics would name the fresh leaf's attributes: keep size and row count only.
      Statistics stats = fresh.computeStats();
      Statistics sized =
          stats.copy(stats.sizeInBytes(), stats.rowCount(), AttributeMap$.MODULE$.empty(), stats.isRuntime());
      return leaf.copy(leaf.output(), fresh.rdd(), fresh.outputPartitioning(), fresh.outputOrdering(),
          leaf.isStreaming(), leaf.stream(), session, scala.Option.apply(sized), scala.Option.empty());
    }
    scala.collection.immutable.Seq<LogicalPlan> children = node.children();
    List<LogicalPlan> out = new ArrayList<>(children.size());
    boolean changed = false;
    for (int i = 0; i < children.size(); i++) {
      LogicalPlan child = children.apply(i);
      LogicalPlan rebound = replace(child, byRdd, session);
      changed |= rebound != child;
      out.add(rebound);
    }
    return changed ? node.withNewChildren(PythonUtils.toSeq(out)) : node;
  }

  private static List<LogicalRDD> leaves(List<LogicalPlan> plans) {
    List<LogicalRDD> out = new ArrayList<>();
    for (LogicalPlan plan : plans) {
      collect(plan, out);
    }
    return out;
  }

  private static void collect(LogicalPlan node, List<LogicalRDD> out) {
    if (node instanceof LogicalRDD) {
      out.add((LogicalRDD) node);
      return;
    }
    scala.collection.immutable.Seq<LogicalPlan> children = node.children();
    for (int i = 0; i < children.size(); i++) {
      collect(children.apply(i), out);
    }
  }

  private static boolean readsInSubquery(LogicalPlan node, List<Integer> ids, boolean inSubquery) {
    if (node instanceof LogicalRDD) {
      return inSubquery && ids.contains(((LogicalRDD) node).rdd().id());
    }
    scala.collection.immutable.Seq<LogicalPlan> subqueries = node.subqueries();
    for (int i = 0; i < subqueries.size(); i++) {
      if (readsInSubquery(subqueries.apply(i), ids, true)) {
        return true;
      }
    }
    scala.collection.immutable.Seq<LogicalPlan> children = node.children();
    for (int i = 0; i < children.size(); i++) {
      if (readsInSubquery(children.apply(i), ids, inSubquery)) {
        return true;
      }
    }
    return false;
  }
}
