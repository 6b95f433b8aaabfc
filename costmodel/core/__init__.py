"""The shared vocabulary every stage speaks; it imports no stage.

Errors with their exit policy (:mod:`.errors`), time constants (:mod:`.timebase`), the one safe YAML
loader (:mod:`.yamlio`), named assumptions (:mod:`.assumptions`), the estimate types every pricer
returns (:mod:`.estimate`), the profile enums classification writes (:mod:`.profile`), the workload
container (:mod:`.workload`) and the price catalog (:mod:`.catalog`).
"""
