"""Random command documents always get a reply, and never an internal error."""

import datetime
import random

from bson import Int64, ObjectId, Regex

from tests.wiremongo.replies import ok

ATOMS = [None, 0, 1, -1, 2.5, Int64(5), "x", "", "$a", "a.b", True, False, datetime.datetime(2026, 1, 1),
         ObjectId("65a1b2c3d4e5f60718293a4b"), [], [1, "x"], {}, {"a": 1}, {"$gt": 1}, {"$in": [1, 2]},
         {"$bogus": 1}, Regex("^x"), {"$exists": True}, {"$elemMatch": {"a": 1}}, {"$not": {"$gt": 1}},
         {"$size": 1}, {"$all": [1]}, {"$regex": "x"}, {"$type": "string"}, {"$mod": [2, 0]}]
FIELDS = ["a", "b", "t", "a.b", "_id", "$and", "$or", "$nor", "x.0"]
COMMANDS = ["find", "insert", "update", "delete", "findAndModify", "aggregate", "count", "distinct",
            "createIndexes", "getMore", "listIndexes", "dropIndexes"]
OPTIONS = ["filter", "sort", "projection", "limit", "skip", "documents", "updates", "deletes", "query", "update",
           "remove", "new", "upsert", "key", "pipeline", "cursor", "indexes", "hint", "batchSize", "fields", "index"]
STAGES = ["$match", "$group", "$sort", "$limit", "$skip", "$project", "$unwind", "$count", "$addFields",
          "$sortByCount", "$unset", "$bogus"]


class Maker:
    """Build random values and commands from one seeded stream."""

    def __init__(self, seed):
        self.rng = random.Random(seed)

    def value(self, depth=0):
        roll = self.rng.random()
        if depth < 2 and roll < 0.2:
            return {self.rng.choice(FIELDS): self.value(depth + 1) for _ in range(self.rng.randint(0, 2))}
        if depth < 2 and roll < 0.3:
            return [self.value(depth + 1) for _ in range(self.rng.randint(0, 2))]
        return self.rng.choice(ATOMS)

    def option(self, name):
        rng, value = self.rng, self.value
        if name == "documents":
            return [value() for _ in range(2)]
        if name == "updates":
            update = rng.choice([value(), {"$set": value()}, {"$inc": value()}, {"$push": value()}])
            return [{"q": value(), "u": update, "upsert": rng.random() < 0.3, "multi": rng.random() < 0.3}]
        if name == "deletes":
            return [{"q": value(), "limit": rng.choice([0, 1, 2])}]
        if name == "pipeline":
            return [{rng.choice(STAGES): value()} for _ in range(rng.randint(0, 3))]
        if name == "indexes":
            return [{"key": value(), "name": rng.choice(["i", "j", None])}]
        return value()

    def command(self):
        name = self.rng.choice(COMMANDS)
        command = {name: self.rng.choice(["c", "c", "d", 5, ""])}
        for option in self.rng.sample(OPTIONS, self.rng.randint(0, 4)):
            command[option] = self.option(option)
        return command


def test_it_answers_random_commands_without_internal_errors(cmds):
    ok(cmds.run("t", {"createIndexes": "c", "indexes": [{"key": {"a": 1, "b": -1}, "name": "ab"},
                                                        {"key": {"t": 1}, "name": "t", "unique": True,
                                                         "sparse": True}]}))
    maker = Maker(11)
    for _ in range(3_000):
        command = maker.command()
        reply = cmds.run("t", command)
        assert reply["ok"] in (0.0, 1.0) and reply.get("code") != 1, (command, reply)
