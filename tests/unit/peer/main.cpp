#define BOOST_TEST_MODULE strato_peer
#include <boost/test/unit_test.hpp>
