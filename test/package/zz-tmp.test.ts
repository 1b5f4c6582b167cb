import "./pack-suite";
import "./testing-kit-suite";
