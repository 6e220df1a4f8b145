"""Channel simulator: seeded, realistic synthetic complaints for the four channels.

Pure Python (no Spark). Main entry points:
``world.build_world`` / ``write_reference``, ``generator.Simulator``, ``profiles.day_slots`` /
``live_slots`` / ``BulkGenerator``, ``drops.write_*``, ``truth.write_truth``,
``producers.ChannelProducer`` / ``produce_events``, ``text.generate_labelled_texts``.
See docs/simulator.md.
"""
