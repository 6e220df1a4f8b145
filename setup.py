"""Packages the Beejan complaints lakehouse library (libs/beejan_lakehouse) as a wheel."""

from setuptools import find_packages, setup

# The stack is pinned: delta-spark 4.4.x requires pyspark<=4.2.0 and Delta's JVM build is
# compiled against Spark 4.2.0 exactly (see conf/jvm/pom.xml for the matching jars).
INSTALL_REQUIRES = [
    "pyspark==4.2.0",
    "delta-spark==4.4.1",
    "pandas<3",
    "pyarrow>=15",
    "kafka-python>=2.2,<4",
    "mlflow>=3.0,<4",
    "scikit-learn>=1.5,<2",
    "PyYAML>=6",
    "ftfy>=6.2,<7",
    "pyahocorasick>=2.1,<3",
    "phonenumbers>=8.13,<10",
]

setup(
    name="beejan-lakehouse",
    version="0.1.0",
    description="Beejan Technologies customer-complaints lakehouse (Spark + Delta + Kafka)",
    package_dir={"": "libs"},
    packages=find_packages("libs"),
    include_package_data=True,
    package_data={"beejan_lakehouse": ["py.typed"]},
    python_requires=">=3.11",
    install_requires=INSTALL_REQUIRES,
    extras_require={"test": ["chispa>=0.10", "pytest>=8", "ruff>=0.6"]},
)
